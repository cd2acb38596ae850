//! `cargo run -p generate` writes the derived files; `-- --check` only says which are stale.

use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let outputs = match generate::outputs(&root) {
        Ok(outputs) => outputs,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stale = 0;
    for output in outputs {
        let path = root.join(output.path);
        if std::fs::read_to_string(&path).is_ok_and(|current| current == output.text) {
            continue;
        }
        stale += 1;
        if check {
            eprintln!("{} is stale: run `cargo run -p generate`", output.path);
        } else if let Err(e) = std::fs::write(&path, &output.text) {
            eprintln!("error: {}: {e}", output.path);
            return ExitCode::FAILURE;
        } else {
            println!("wrote {}", output.path);
        }
    }
    if check && stale > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
