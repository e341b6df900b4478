"""A deterministic universe of simulated government portals, served through a local HTTP proxy,
with ground truth for tests, the demo and benchmarks. Imports nothing of ours.

Map:
  regions.py     real prefectures/counties (data/regions.csv, CC0 area codes) + invented townships
  universe.py    the model, built eagerly from (seed, size): agencies, portals, columns,
                 per-(agency, year) outcomes and dates, look-alike and mirror pages
  portals/       one module per CMS family (trs, hanweb, gd, static, mirror): URL shapes, lists
  site.py        request -> Response for any .test host on a clock date (lazy, cached rendering)
  content.py, documents.py   what a report says and its files (PDF, DOCX, DOC, WPS, XLS…)
  faults.py      the seeded fault plan (412/521/unreachable hosts; transient per-URL faults)
  server.py      the HTTP/1.1 forward proxy and the control host sandbox.test
                 (/__state, /__truth?as_of=, POST /__clock?date=, POST /__reset, /__registry)
  truth.py       ground truth rows; registry.py the registry CSV
  testing.py     running_sandbox(...) -> SandboxHandle, for tests and benchmarks
"""
