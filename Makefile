# huiying — two commands: `make run` and `make test`. Everything they need is installed from here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The local PostgreSQL server, used by the test suite (second backend) when it answers.
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
# pytest-xdist workers: one per core; a test file stays on one worker (its module fixtures run once).
TEST_WORKERS ?= auto

.PHONY: install run test lint browser-deps clean bench upgrade

# constraints.txt pins every package to the versions the suite last passed with (tests turn
# warnings into errors, so an unpinned new release could fail a clean install). To upgrade:
# `make upgrade`, run `make test`, commit constraints.txt.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

## make run: set up, load the demo, crawl the bundled demo portal and serve http://127.0.0.1:5000
run: install
	$(BIN)/huiying run

## Debian's Chromium and CJK fonts for the Playwright tests (playwright cannot download browsers here)
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  echo "安装浏览器测试依赖：chromium fonts-noto-cjk"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

lint: install
	$(BIN)/ruff check --no-cache .
	$(BIN)/ruff format --no-cache --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

## make test: lint, import contracts, then the whole suite on SQLite and (when it answers) PostgreSQL
test: install browser-deps lint
	@if [ -z "$$HUIYING_TEST_DATABASE_URL" ] && $(BIN)/python -c "import psycopg; psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  export HUIYING_TEST_DATABASE_URL=$(PG_TEST_URL); echo "PostgreSQL 可用：测试同时在 SQLite 与 PostgreSQL 上运行"; \
	else echo "测试数据库：SQLite$${HUIYING_TEST_DATABASE_URL:+ 与 $$HUIYING_TEST_DATABASE_URL}"; fi; \
	$(BIN)/pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile

bench: install
	$(BIN)/python benchmarks/classify.py
	$(BIN)/python benchmarks/crawl.py
	$(BIN)/python benchmarks/hot_topics.py

upgrade: install
	$(BIN)/python -m pip install -q --upgrade -e '.[dev]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^huiying' > constraints.txt

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
