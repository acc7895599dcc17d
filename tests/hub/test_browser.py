"""The hub in a real headless Chromium (Debian's chromium + chromium-driver, driven by
Selenium; `make test` installs both): the gallery lists and filters runs, a run page shows its
report's figures, the claims board shows verdicts, an XSS payload in a run's name renders inert,
and a tampered upload through the publish page is refused with nothing appearing.

Set RISKSCOPE_HUB_SCREENSHOTS=DIR to keep the screenshots (docs/img/ holds the docs' copies).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.hub.conftest import CLAIMS, add_member, chromium_paths, state_files

CHROMIUM, CHROMEDRIVER = chromium_paths()
selenium = pytest.importorskip("selenium", reason="the browser tests need selenium")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="chromium and chromium-driver are not installed: `make test` installs them")]

XSS = ('<img src=x onerror="window.__xss=1;document.title=\'pwned\'">'
       '<script>window.__xss=2;alert(1)</script>')


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,900", "--hide-scrollbars", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def board_hub(tmp_path_factory, smoke_runs):
    """A hub with the two smoke runs (alice, bob), the test claims, and bob's run whose name,
    author and note are XSS payloads."""
    from riskscope.exchange import write_bundle
    from riskscope.hub.client import HubClient
    from riskscope.hub.server import BackgroundHub
    from riskscope.hub.synthetic import synthetic_run
    from riskscope.store import Store

    root = tmp_path_factory.mktemp("browser")
    with Store(root / "xss-results") as store:
        run_id = synthetic_run(store, XSS, np.random.default_rng(7), seeds=(0, 1), widths=(8,))
        xss_bundle = write_bundle(store, run_id, root / "xss.rsbundle", author=XSS, note=XSS,
                                  with_report=False).path
    with BackgroundHub(root / "hub") as hub:
        alice, bob = add_member(hub, "alice"), add_member(hub, "bob")
        hub.digests = [HubClient(hub.url, alice).upload("/api/runs", smoke_runs.bundles[0])
                       ["digest"],
                       HubClient(hub.url, bob).upload("/api/runs", smoke_runs.bundles[1])
                       ["digest"]]
        hub.xss = HubClient(hub.url, bob).upload("/api/runs", xss_bundle)["digest"]
        for text in CLAIMS.values():
            HubClient(hub.url, alice).request_json("POST", "/api/claims", text.encode(),
                                                   content_type="text/plain")
        hub.tokens = {"alice": alice, "bob": bob}
        hub.tampered = root / "tampered.rsbundle"
        data = bytearray(smoke_runs.bundles[0].read_bytes())
        data[len(data) // 3] ^= 0x20
        hub.tampered.write_bytes(bytes(data))
        yield hub


def wait_for(browser, condition, timeout: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(condition)


def console_errors(browser) -> list[str]:
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def screenshot(browser, tmp_path: Path, name: str) -> Path:
    from matplotlib.image import imread

    path = tmp_path / f"{name}.png"
    assert browser.save_screenshot(str(path))
    pixels = imread(path)[..., :3]
    assert pixels.std() > 0.05, f"{name}: a blank page"
    keep = os.environ.get("RISKSCOPE_HUB_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    return path


def rows(browser, selector: str = "tr.run-row"):
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, selector)


def test_gallery_lists_and_filters_runs(browser, board_hub, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.set_window_size(1280, 900)
    browser.get(board_hub.url + "/")
    assert len(rows(browser)) == 3
    assert console_errors(browser) == []
    screenshot(browser, tmp_path, "hub-gallery")
    # choosing an author submits the filter form by itself (hub.js)
    Select(browser.find_element(By.ID, "filter-author")).select_by_value("alice")
    wait_for(browser, lambda b: "author=alice" in b.current_url)
    wait_for(browser, lambda b: len(rows(b)) == 1)
    cells = rows(browser)[0].find_elements(By.TAG_NAME, "td")
    assert cells[4].text == "alice"
    assert browser.find_element(By.ID, "run-count").text.startswith("1 run")
    Select(browser.find_element(By.ID, "filter-author")).select_by_value("bob")
    wait_for(browser, lambda b: "author=bob" in b.current_url and len(rows(b)) == 2)
    # the claim filter keeps the runs a claim concerns: all three `train` runs, or none
    browser.get(board_hub.url + "/?claim=train-smoke-population-risk-below-half")
    assert len(rows(browser)) == 3
    browser.get(board_hub.url + "/?claim=generalization-gap-falls-with-n")
    assert rows(browser) == [] and browser.find_element(By.ID, "no-runs")


def test_run_page_shows_the_reports_figures(browser, board_hub, tmp_path):
    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 1500)
    browser.get(f"{board_hub.url}/runs/{board_hub.digests[0]}")
    assert browser.find_element(By.ID, "run-name").text.startswith("train-smoke")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#headline tbody tr")) == 2
    assert len(browser.find_elements(By.CSS_SELECTOR, "#claims tr.claim-row")) == 2
    frame = browser.find_element(By.ID, "report")
    assert frame.get_attribute("sandbox") == ""  # the strictest sandbox: no scripts at all
    browser.switch_to.frame(frame)
    try:
        wait_for(browser, lambda b: b.execute_script(
            "return Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0"
            " && i.src.startsWith('data:image/png')).length") >= 5)
        n_images = browser.execute_script("return document.images.length")
    finally:
        browser.switch_to.default_content()
    assert n_images >= 5
    assert console_errors(browser) == []
    browser.execute_script("document.getElementById('report').scrollIntoView()")
    browser.execute_script("window.scrollBy(0, -40)")
    screenshot(browser, tmp_path, "hub-run-report")
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, tmp_path, "hub-run")


def test_claims_board_shows_verdicts(browser, board_hub, tmp_path):
    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 1100)
    browser.get(board_hub.url + "/claims")
    board = {r.get_attribute("data-claim"): r for r in rows(browser, "tr.claim-row")}
    assert set(CLAIMS) <= set(board)
    holds = board["train-smoke-population-risk-below-half"]
    # three `train` runs: the two smoke runs and the synthetic one
    assert holds.find_element(By.CSS_SELECTOR, "td.holds").text == "3"
    assert holds.find_element(By.CSS_SELECTOR, "td.runs").text == "3"
    fails = board["train-smoke-excess-risk-below-a-thousandth"]
    assert fails.find_element(By.CSS_SELECTOR, "td.fails").text == "3"
    assert "holds in 0 of 3" in fails.text
    assert console_errors(browser) == []
    screenshot(browser, tmp_path, "hub-claims")
    holds.find_element(By.TAG_NAME, "a").click()
    wait_for(browser, lambda b: "/claims/train-smoke-population-risk-below-half" in b.current_url)
    circles = browser.find_elements(By.CSS_SELECTOR, "svg.forest circle.estimate")
    assert len(circles) == 3
    assert all("holds" in c.get_attribute("class") for c in circles)
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.forest rect.region")) == 1
    screenshot(browser, tmp_path, "hub-claim")


def test_xss_payload_in_a_run_name_renders_inert(browser, board_hub):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 900)
    for path in ("/", f"/runs/{board_hub.xss}", "/studies/train", "/?author=bob"):
        browser.get(board_hub.url + path)
        assert browser.execute_script("return window.__xss === undefined")
        assert browser.title != "pwned"
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018
        # the payload is shown as text, and made no element of its own
        assert XSS in browser.find_element(By.TAG_NAME, "body").text
        assert browser.find_elements(By.CSS_SELECTOR, "img[src='x']") == []
    browser.get(f"{board_hub.url}/runs/{board_hub.xss}")
    assert browser.find_element(By.ID, "run-name").text == XSS
    assert browser.find_element(By.ID, "note").text == XSS


def test_tampered_upload_is_refused_and_nothing_appears(browser, board_hub):
    from selenium.webdriver.common.by import By

    before = state_files(board_hub.hub.paths.root)
    browser.get(board_hub.url + "/publish")
    browser.find_element(By.ID, "publish-token").send_keys(board_hub.tokens["alice"])
    browser.find_element(By.ID, "publish-file").send_keys(str(board_hub.tampered))
    browser.find_element(By.ID, "publish-submit").click()
    result = wait_for(browser, lambda b: b.find_element(By.ID, "publish-result")
                      if b.find_element(By.ID, "publish-result").get_attribute("data-outcome")
                      else False, timeout=60)
    assert result.get_attribute("data-outcome") == "refused"
    assert result.text.startswith("refused (422)")
    assert state_files(board_hub.hub.paths.root) == before
    browser.get(board_hub.url + "/")
    assert len(rows(browser)) == 3
