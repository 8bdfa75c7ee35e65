# Pedigree — the two commands of the README:
#   make run    install what is missing, build the UI and the desktop app, open the window
#   make test   install what is missing, then run every test (Rust, UI unit, browser, desktop)
# Both are idempotent and work on a fresh Debian 12 machine.

CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TARGET_DIR

.PHONY: run test bench bench-index bench-register bench-sync bench-oci bench-ledger bench-timeline types ui desktop serve

ui:
	cd ui && npm run build

# A self-contained desktop binary (custom-protocol embeds ui/dist; a plain cargo build would
# load the Vite dev server instead).
desktop: ui
	cargo build --locked -p pedigree-desktop --features custom-protocol

run:
	@scripts/deps.sh desktop
	$(MAKE) desktop
	"$(CARGO_TARGET_DIR)/debug/pedigree-desktop"

# The same UI in a browser: open the printed http://127.0.0.1:8765/?token=… link
serve:
	@scripts/deps.sh desktop
	$(MAKE) ui
	cargo run --locked --bin pedigree -- serve

test:
	@scripts/deps.sh test
	@scripts/test.sh

# Hashing throughput vs `openssl dgst -sha256`, same run (default 2 GiB tree; GIB=4 for more).
bench:
	@scripts/deps.sh core
	cargo bench --locked --bench hash -- $(or $(GIB),2)

# Indexing vs `openssl dgst -sha256` and DVC (`dvc add`, `dvc status`), same run: a GIB-sized tree
# (default 4) and SMALL small files (default 100000) for the no-change re-index.
bench-index:
	@scripts/deps.sh core
	cargo bench --locked --bench index -- $(or $(GIB),4) $(or $(SMALL),100000)

# Registering a GIB-sized sharded safetensors model (default 4): copy and --link, against cp -r
# and `openssl dgst -sha256` of the same tree, same run. Needs about 3 × GIB free disk.
bench-register:
	@scripts/deps.sh core
	cargo bench --locked --bench register -- $(or $(GIB),4)

# MLflow sync: a full pull of MODELS × VERSIONS versions (default 250 × 4) and a no-change
# re-sync, against mlflow-export-import and an MLflow client script, every request counted by
# one proxy, same run and server (bench/sync/run.sh; release build).
bench-sync:
	@scripts/deps.sh core
	cargo build --locked --release --bin pedigree
	bench/sync/run.sh $(or $(MODELS),250) $(or $(VERSIONS),4)

# Team ledger: EVENTS signed events (default 100000) pushed to a file:// ledger and taken in by a
# new member (time, requests, events/s), and a no-change sync; against cp -r and openssl sha256 of
# the same segments, same run.
bench-ledger:
	@scripts/deps.sh core
	cargo bench --locked --bench ledger -- $(or $(EVENTS),100000)

# A model's retraining timeline with VERSIONS versions (default 5000): the model_timeline operation
# against a plain SQLite read of the same rows, same run (bench/timeline.rs).
bench-timeline:
	@scripts/deps.sh core
	cargo bench --locked --bench timeline -- $(or $(VERSIONS),5000)

# OCI: push and pull of a GIB-sized version (default 2) to a local registry (docker-registry),
# against the PyPI oras client pushing and pulling the same files, same run (bench/oci/run.sh).
bench-oci:
	@scripts/deps.sh test
	cargo build --locked --release --bin pedigree
	bench/oci/run.sh $(or $(GIB),2)

# Rewrite the generated TypeScript types after changing API types.
types:
	cargo run --locked --bin pedigree -- dev gen-types
