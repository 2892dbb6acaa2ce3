# Cluster Excellence open course. Every target sets up what it needs; `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PY      ?= python3
VENV    := .venv
BIN     := $(abspath $(VENV))/bin
STAMP   := $(VENV)/.installed
CONSTR  := requirements/constraints.txt
export PATH := $(BIN):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1
export JUPYTER_PLATFORM_DIRS := 1
export MPLBACKEND := Agg

.PHONY: hub hub-env coursepack sandbox-deps help venv lint format test unit book book-tr catalogues release grade bench lab clean lock browser-deps screenshots formgrader

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# The environment: a .venv made from python3, installed from the pinned constraints. Re-done only when
# pyproject.toml or the constraints change, so a second run costs nothing.
$(STAMP): pyproject.toml $(CONSTR)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c $(CONSTR) -e ".[course,test]"
	touch $(STAMP)

venv: $(STAMP) ## create or update the pinned virtual environment (.venv)

# apt_install CMD PKG: install Debian package PKG (providing command CMD) where CMD is missing; needs root or sudo.
define apt_install
	@command -v $(1) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "$(2) is missing and cannot be installed without root: apt-get install $(2)" >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; }
endef

browser-deps: ## install Debian's chromium (browser tests) where it is missing
	$(call apt_install,chromium,chromium)

sandbox-deps: ## install Debian's bubblewrap (the grading sandbox) where it is missing
	$(call apt_install,bwrap,bubblewrap)

lint: $(STAMP) ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

release: $(STAMP) ## student versions of the exercises (exercises/release/, a zip each), released to the exchange
	$(BIN)/python -m autograder release --all --exchange "$(CLUSTER_EXCHANGE)"

book: $(STAMP) release coursepack ## build the HTML book: English into _build/html, Turkish into _build/html/tr (strict)
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(BIN)/python book/_ext/editions.py build tr

# Jupyter Book 1 cannot pass -D language (jupyter-book #1791): the Turkish book is Sphinx run on the configuration
# `jupyter-book config sphinx` derives from _config.yml, plus locales/tr/sphinx.yml and the catalogues locales/tr/
# (book/_ext/editions.py); its own doctrees and execution cache, the worked examples run with CLUSTERKIT_LANG=tr.
book-tr: $(STAMP) release coursepack ## the Turkish book only (_build/html/tr; needs the -tr releases)
	$(BIN)/python book/_ext/editions.py build tr

# After the English text changed: new message templates (_build/gettext) and `sphinx-intl update` of
# locales/tr (new strings empty, changed ones fuzzy) for the translators; `make test` names what is stale.
catalogues: $(STAMP) ## update the Turkish book's catalogues (locales/tr) to the English text
	$(BIN)/python book/_ext/editions.py update tr

unit: $(STAMP) ## fast unit tests of the clusterkit package only
	$(BIN)/python -m pytest -q tests -m "not browser and not slow" -p no:cacheprovider

# The hub tests create local accounts: they need root (and skip without it); so does the hub's installation
# (make hub-env, defined with the hub below).
HUB_ENV_FOR_TEST := $(if $(filter 0,$(shell id -u)),hub-env)

# Browser tests run in a second, serial pytest: two chromium instances under xdist on 2 cores have stalled.
# pytest exits 5 when it selects no test, which fails the target (a run that tests nothing is not a pass).
test: $(STAMP) $(HUB_ENV_FOR_TEST) browser-deps sandbox-deps lint book ## everything CI checks: lint, unit, notebook, exercise, book and browser tests
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup -m "not browser" tests
	$(BIN)/python -m pytest -q -p no:xdist -m browser tests

grade: $(STAMP) sandbox-deps ## trainers' grading run: collect from the exchange (or ARGS="SOURCE"), grade, return feedback
	$(BIN)/python -m autograder grade --exchange "$(CLUSTER_EXCHANGE)" $(ARGS)

bench: $(STAMP) ## benchmarks: ratios against a baseline measured in the same run
	$(BIN)/python -m bench $(ARGS)

# --- The trainee's lab and the nbgrader exchange on one machine -------------------------------------------------
# CLUSTER_EXCHANGE: the nbgrader exchange (trainers release to it and collect from it; a hub sets a shared path).
# WORKSPACE: the trainee's own folder, the lab's root; no target writes to it. The lab's settings are the files of
# exercises/trainee-lab/ (on JUPYTER_CONFIG_PATH); its writable state (settings, nbgrader's cache) sits beside the
# workspace in LAB_STATE. TRAINEE: the trainee id submissions carry (default: the login name). LAB_ARGS: extra
# options for `jupyter lab` (e.g. --port=9000).
# LANG: the lab's language, `make lab LANG=tr` (en or tr): JupyterLab's Turkish language pack is selected (the
# default of Settings > Language; a language the trainee picks there wins). Given on the command line, LANG would
# also reach every program make starts as its locale, and "tr" is not one: it is not exported to them.
ifeq ($(origin LANG),command line)
LAB_LANG := $(LANG)
unexport LANG
else
LAB_LANG := en
endif
CLUSTER_EXCHANGE ?= $(CURDIR)/.exchange
WORKSPACE ?= $(CURDIR)/workspace
LAB_STATE ?= $(abspath $(WORKSPACE))/../.trainee-lab
TRAINEE ?=
LAB_ARGS ?=
export CLUSTER_EXCHANGE

coursepack: $(STAMP) release ## per exercise, a zip for a trainee's own Python: clusterkit wheel with the case data, notebook, README
	$(BIN)/python -m autograder coursepack

lab: $(STAMP) ## the trainee's JupyterLab on WORKSPACE (default workspace/): Assignment List, Validate; LANG=tr: in Turkish
	@case "$(LAB_LANG)" in en|tr) ;; *) echo "LANG=$(LAB_LANG): the lab speaks en or tr (make lab LANG=tr)" >&2; exit 2;; esac
	test -d "$(CLUSTER_EXCHANGE)/cluster-excellence/outbound" || $(MAKE) --no-print-directory release
	mkdir -p "$(WORKSPACE)" "$(LAB_STATE)/config" "$(LAB_STATE)/data" "$(LAB_STATE)/runtime"
	cd "$(WORKSPACE)" && env TRAINEE_WORKSPACE="$(abspath $(WORKSPACE))" TRAINEE_LAB_STATE="$(abspath $(LAB_STATE))" \
	  TRAINEE_ID="$(TRAINEE)" JUPYTER_CONFIG_PATH="$(CURDIR)/exercises/trainee-lab" \
	  JUPYTER_CONFIG_DIR="$(abspath $(LAB_STATE))/config" JUPYTER_DATA_DIR="$(abspath $(LAB_STATE))/data" \
	  JUPYTER_RUNTIME_DIR="$(abspath $(LAB_STATE))/runtime" \
	  $(BIN)/jupyter lab --ip=127.0.0.1 --no-browser $$([ "$$(id -u)" = 0 ] && echo --allow-root) \
	  $(if $(filter tr,$(LAB_LANG)),--LabApp.app_settings_dir="$(CURDIR)/exercises/trainee-lab/lang/tr") $(LAB_ARGS)

# The trainer's JupyterLab on the grading course directory (where `make grade` imported and autograded):
# Nbgrader > Formgrader lists the submissions, with each written answer's rubric right under it. The same
# AUTOGRADER_COURSE_DIR as `make grade` selects another course directory; ARGS go to `jupyter lab`.
GRADING_DIR = $(or $(AUTOGRADER_COURSE_DIR),autograder/work)
formgrader: $(STAMP) ## trainers: JupyterLab + formgrader on the graded submissions (after make grade)
	@test -f "$(GRADING_DIR)/gradebook.db" || { echo "no gradebook in $(GRADING_DIR): run make grade ARGS=PATH first" >&2; exit 2; }
	cd "$(GRADING_DIR)" && exec $(BIN)/jupyter lab --ip=127.0.0.1 --no-browser \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(ARGS)

screenshots: $(STAMP) browser-deps ## regenerate the book's screenshots from the browser tests
	UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests -m browser -k screenshot

lock: ## re-resolve the newest allowed versions into requirements/constraints.txt (then run make test)
	rm -rf .venv-lock && $(PY) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -e ".[course,test]" "jupyterlab==4.6.*" "notebook==7.6.*"
	{ sed -n '/^#/p' $(CONSTR); .venv-lock/bin/pip freeze --exclude-editable | grep -v '^pip=='; } > $(CONSTR).new
	mv $(CONSTR).new $(CONSTR) && rm -rf .venv-lock

clean: ## remove built and generated files (keeps .venv; `make clean-all` removes it too)
	rm -rf _build exercises/release exercises/autograded exercises/feedback autograder/work .pytest_cache .ruff_cache

clean-all: clean
	rm -rf $(VENV)

# ---- the course hub (hub/README.md): JupyterHub + PostgreSQL gradebook + grading on submission -------------
# The hub's accounts (user servers, the formgrader and grading services) never read the checkout (it may lie under
# a private folder, e.g. a CI clone in a mktemp -d): `make hub-env` installs what they run into HUB_PREFIX,
# world-readable (python -m hub.install, hub/README.md): HUB_PREFIX/venv from Debian's /usr/bin/python3 with the
# pinned constraints and clusterkit from a wheel of the checkout (not editable), HUB_PREFIX/app with the hub's and
# the grading pipeline's code, configuration and exercises, configurable-http-proxy from npm (hub/package-lock.json).
# It runs every time and redoes only the parts whose files changed (compared by content). Needs root.
HUB_STATE  ?= /srv/cluster-course
HUB_PREFIX ?= /opt/cluster-course
HUB_PYTHON := $(HUB_PREFIX)/venv/bin/python
export HUB_PREFIX

hub-env: $(STAMP) ## the hub's environment and code in HUB_PREFIX (default /opt/cluster-course; needs root)
	$(BIN)/python -m hub.install --prefix "$(HUB_PREFIX)"

# python -P: the installed hub's code (HUB_PREFIX/app), not the checkout's in the current folder
hub: $(STAMP) hub-env sandbox-deps ## the course hub for a cohort: make hub ROSTER=roster.csv [HUB_STATE=/srv/cluster-course]
	@test -n "$(ROSTER)" || { echo "usage: make hub ROSTER=roster.csv (columns username,role,name)" >&2; exit 2; }
	$(HUB_PYTHON) -P -m hub up --roster "$(ROSTER)" --state "$(HUB_STATE)"
