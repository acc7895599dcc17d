// The gallery's filters submit themselves when one changes (the Apply button stays for
// browsers without scripts). Nothing else on the hub needs JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("filters");
  if (!form) { return; }
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () { form.submit(); });
  });
});
