// The hub's only script. Gallery: the filters submit themselves when one changes (the Apply
// button stays for browsers without scripts). Publish page: sends the chosen bundle file to
// POST /api/runs with the member's token and shows the hub's answer as text.
document.addEventListener("DOMContentLoaded", function () {
  var filters = document.getElementById("filters");
  if (filters) {
    filters.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () { filters.submit(); });
    });
  }
  var form = document.getElementById("publish-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var out = document.getElementById("publish-result");
      var file = document.getElementById("publish-file").files[0];
      var token = document.getElementById("publish-token").value.trim();
      out.hidden = false;
      out.textContent = "uploading…";
      fetch("/api/runs", {
        method: "POST",
        headers: {"Authorization": "Bearer " + token,
                  "Content-Type": "application/octet-stream"},
        body: file
      }).then(function (response) {
        return response.json().then(function (data) {
          if (response.ok) {
            out.textContent = (data.created ? "published " : "already published ") +
              data.digest.slice(0, 12) + " (run " + data.run_id + ")";
            var link = document.createElement("a");
            link.href = data.url;
            link.textContent = " open the run page";
            out.appendChild(link);
            out.dataset.outcome = "published";
          } else {
            out.textContent = "refused (" + response.status + "): " + data.error;
            out.dataset.outcome = "refused";
          }
        });
      }).catch(function (error) {
        out.textContent = "failed: " + error;
        out.dataset.outcome = "failed";
      });
    });
  }
});
