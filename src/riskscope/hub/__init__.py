"""The riskscope hub: a small server where a group publishes runs and claims meet evidence.

    <root>/hub.sqlite                      users (token hashes), published runs, claims,
                                           verdicts, reproduction records, audit events (WAL)
    <root>/bundles/<d[:2]>/<digest>.rsbundle   each published bundle, named by its digest
    <root>/runs/<digest>/                  the bundle imported into its own store (claims are
                                           checked there) and its report
    <root>/tmp/                            uploads in flight (emptied at start)

Layering: the hub sits between the CLI and the exchange (bundles, compare, reproduce); it
verifies and imports bundles only through the exchange's API. The web stack (Starlette,
uvicorn, Jinja2) is the optional extra `riskscope[hub]`: `riskscope.hub.web_stack` says so
when it is missing. This package's light modules (paths, database, tokens, client) import
nothing heavy, so `publish` and `pull` need neither torch nor the web stack to start.
"""

__all__: list[str] = []
