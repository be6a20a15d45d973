# emailsec.tracking: the project's commands. Every target installs what it needs itself.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help venvs test demo bench sandbox clean

help:
	@echo "make demo     start the sandbox, trace the planted phishing campaign at both vendors, stop"
	@echo "make test     the whole test suite (sanity, units, integration, lint, docs, build)"
	@echo "make bench    benchmarks against the sandbox; prints a table, writes bench/results/"
	@echo "make sandbox  run the sandbox in the foreground (prints its URL and credentials)"
	@echo "make venvs    create the tool environments under .venv/"
	@echo "make clean    remove .venv/, caches, reports and the ansible-test work tree"

venvs:
	bash tests/utils/setup-venvs.sh

test:
	bash tests/utils/run-tests.sh $(STEPS)

demo:
	bash tests/utils/demo.sh

bench:
	bash tests/utils/bench.sh $(ARGS)

sandbox:
	bash tests/utils/setup-venvs.sh latest
	.venv/core-latest/bin/python -m tests.sandbox $(ARGS)

clean:
	rm -rf .venv .cache tests/output bench/results reports
	rm -rf "$${TMPDIR:-/tmp}"/emailsec-tracking-$$(printf '%s' "$$PWD" | sha256sum | cut -c1-10)
