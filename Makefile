# nianbao: every install step lives here, so a fresh machine needs nothing done by hand.
#   make demo   run the whole job end to end on the bundled sandbox
#   make test   run the test suite (installs first if needed)
#   make reliability / make soak   the reliability suite (short / long) and RELIABILITY.md

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Debian packages: chromium renders JavaScript pages, LibreOffice reads/writes DOC and WPS,
# poppler-utils and wget are the peers `make bench` measures against, the CJK font draws text,
# tesseract reads image-only PDFs when NIANBAO_OCR=1 (optional at run time).
APT_PACKAGES ?= chromium libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils \
                fonts-wqy-zenhei wget redis-server tesseract-ocr tesseract-ocr-chi-sim
# Set NIANBAO_NO_APT=1 to skip apt-get (then install those packages yourself).
NIANBAO_NO_APT ?=

.PHONY: acceptance install system-deps test demo bench lint clean reliability soak

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,replay,ui,cluster]'
	@touch $(STAMP)

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ -n "$(NIANBAO_NO_APT)" ]; then echo "NIANBAO_NO_APT set; not installing:$$missing"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; \
	else echo "not root and no sudo: please install:$$missing" >&2; exit 1; fi; \
	echo "apt-get install:$$missing"; \
	$$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 $$missing

test: $(STAMP)
	$(BIN)/python -m pytest -m 'not acceptance'

# the reliability suite alone, then RELIABILITY.md from the figures of that very run
reliability: $(STAMP)
	rm -rf tests/artifacts/reliability
	$(BIN)/python -m pytest tests/reliability -q
	$(BIN)/python -m tests.reliability.write_report

# longer variants of the reliability suite (more kills, more fault seeds), same report
SOAK_KILLS ?= 150
SOAK_FAULT_SEEDS ?= 1,2,3,4
soak: $(STAMP)
	rm -rf tests/artifacts/reliability
	NIANBAO_KILLS=$(SOAK_KILLS) NIANBAO_FAULT_SEEDS=$(SOAK_FAULT_SEEDS) $(BIN)/python -m pytest tests/reliability -q
	$(BIN)/python -m tests.reliability.write_report

# the acceptance runs of issues 3 and 6 on the medium sandbox world (168 agencies, faults
# "some") on their own: the crawl against ground truth and the request log, then the whole
# pipeline (~12 min; both are part of `make test` too)
acceptance: $(STAMP)
	$(BIN)/python -m pytest tests/crawler/test_acceptance_medium.py tests/e2e -v

demo: $(STAMP)
	$(BIN)/nianbao demo

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check crawler archive parsers catalog nianbao sandbox bench tests
	$(BIN)/mypy crawler archive parsers catalog nianbao sandbox bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
