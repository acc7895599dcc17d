"""The results store: one SQLite file (WAL mode) per results directory, tensors beside it.

    <dir>/riskscope.sqlite                                runs, trials, results, metric series
    <dir>/artifacts/<trial_hash>/<name>.safetensors       tensors, sha256 recorded in the DB

Trials commit atomically and exactly once, even with several processes writing one store;
a killed process loses at most the trials it had not committed. See DESIGN.md §2 and §6.
"""

from riskscope.store.environment import environment_record
from riskscope.store.records import TrialRecord
from riskscope.store.sqlite_store import Store, open_store

__all__ = ["Store", "TrialRecord", "environment_record", "open_store"]
