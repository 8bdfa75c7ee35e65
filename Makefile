# Pedigree — the two commands of the README:
#   make run    run the app (until the desktop issue lands: the CLI's help)
#   make test   install what is missing, then run every test
# Both are idempotent and work on a fresh Debian 12 machine.

.PHONY: run test bench deps types

deps:
	@scripts/deps.sh

run: deps
	cargo build --release --locked
	"$${CARGO_TARGET_DIR:-target}/release/pedigree" --help

test: deps
	@scripts/test.sh

# Hashing throughput vs `openssl dgst -sha256`, same run (default 2 GiB tree; GIB=4 for more).
bench: deps
	cargo bench --locked --bench hash -- $(or $(GIB),2)

# Rewrite the generated TypeScript types after changing API types.
types:
	cargo run --locked -- dev gen-types
