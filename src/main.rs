//! The `pedigree` binary: see `pedigree --help`.

fn main() {
    std::process::exit(pedigree::cli::main());
}
