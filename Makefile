# One command sets up and runs the main job (`make run`); one sets up and runs the tests
# (`make test`). Both create .venv on first use and install the CPU build of torch.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup lint clean chromium

$(STAMP): pyproject.toml requirements/cpu.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/cpu.txt -e ".[test,tensorboard,mlflow,ray]"
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/riskscope run decomposition --preset full --out results

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/lint-imports

# The browser tests (tests/report/test_html_browser.py, tests/hub/test_browser.py) need a
# headless Chromium and, for the hub's Selenium tests, its driver: installed from Debian
# packages when missing (the machines run as root). If that fails the browser tests are
# skipped with that reason; the rest of the suite still runs.
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		echo "installing chromium and chromium-driver (Debian packages) for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends chromium chromium-driver) \
		|| echo "warning: chromium could not be installed; browser tests will be skipped" >&2; \
	fi

test: lint chromium
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) results
