"""Commands that do not train answer without importing torch (issue 18: they start in < 0.5 s,
measured by benchmarks/cli_latency.py; this test pins the cause so no change can undo it)."""

import subprocess
import sys

import pytest

HEAVY = ("torch", "pandas", "matplotlib", "cvxpy", "scipy")


def _modules_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


@pytest.mark.parametrize("argv", [["--help"], ["tasks"], ["studies"], ["describe", "decomposition"],
                                  ["ls", "--help"], ["run", "--help"]])
def test_listing_commands_import_no_heavy_library(argv):
    code = ("import contextlib, io\nfrom riskscope.cli.main import cli\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    cli.main({argv!r}, standalone_mode=False)")
    loaded = _modules_after(code)
    assert not loaded & set(HEAVY), f"{argv} imported {sorted(loaded & set(HEAVY))}"


def test_every_command_module_is_light_to_import():
    """`--help` imports each command's module for its summary line: none may pull torch."""
    from riskscope.cli.main import COMMANDS

    modules = sorted({target.split(":")[0] for target in COMMANDS.values()})
    loaded = _modules_after("\n".join(f"import {m}" for m in modules))
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_task_names_and_store_listing_stay_light(tmp_path):
    loaded = _modules_after(
        "from riskscope.tasks import task_names\nassert 'digits' in task_names()\n"
        f"from riskscope.store import Store\nStore({str(tmp_path)!r}).run_rows()")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_show_imports_no_torch(tmp_path, extra):
    """`show` reads the store with pandas but never loads torch or the study code."""
    from riskscope.store import Store

    with Store(tmp_path) as store:
        store.create_run("r-1", "r", "train", "smoke", {"study": "train"}, "h")
    code = ("import contextlib, io\nfrom riskscope.cli.main import cli\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    cli.main(['show', 'r-1', '--out', {str(tmp_path)!r}, *{extra!r}], "
            "standalone_mode=False)")
    loaded = _modules_after(code)
    assert not loaded & {"torch", "matplotlib", "cvxpy"}, sorted(loaded)
