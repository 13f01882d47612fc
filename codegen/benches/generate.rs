//! Generation time for the whole Caspio spec (load, resolve, IR, tools, emit, format), and for
//! each phase, as medians over repeated runs in one process. Run: `cargo bench -p caspio-codegen`.

use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    let _ = f(); // warm up
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                start.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = std::fs::read_to_string(root.join("caspio-spec/openapi.yaml")).expect("spec");
    let overrides =
        std::fs::read_to_string(root.join("caspio-spec/overrides.yaml")).expect("overrides");
    let runs = 30;
    let whole = time(runs, || {
        caspio_codegen::generate(&spec, &overrides).expect("generates")
    });
    let doc = caspio_codegen::load::load(&spec).expect("loads");
    let api = caspio_codegen::lower::lower(&doc).expect("lowers");
    let o = caspio_codegen::overrides::parse(&overrides).expect("overrides parse");
    let tools = caspio_codegen::tools::build(&api, &o).expect("tools");
    let load = time(runs, || caspio_codegen::load::load(&spec).expect("loads"));
    let lower = time(runs, || caspio_codegen::lower::lower(&doc).expect("lowers"));
    let build = time(runs, || {
        caspio_codegen::tools::build(&api, &o).expect("tools")
    });
    let emit = time(runs, || {
        caspio_codegen::emit::emit(&api.base_path, &tools).expect("emits")
    });
    println!(
        "generate (whole spec, 70 operations): median {:.1} ms over {runs} runs",
        whole.as_secs_f64() * 1e3
    );
    println!(
        "  load (YAML -> tree -> openapiv3): {:.1} ms",
        load.as_secs_f64() * 1e3
    );
    println!(
        "  lower (refs, IR):                 {:.1} ms",
        lower.as_secs_f64() * 1e3
    );
    println!(
        "  tools (overrides, schemas):       {:.1} ms",
        build.as_secs_f64() * 1e3
    );
    println!(
        "  emit (tokens, prettyplease):      {:.1} ms",
        emit.as_secs_f64() * 1e3
    );
    // Caspio's own published document, when ../shared is beside the checkout.
    match std::fs::read_to_string(root.join("../shared/caspio/reference/caspio-v3-openapi.json")) {
        Ok(reference) => {
            let t = time(runs, || {
                caspio_codegen::generate(&reference, &overrides).expect("generates")
            });
            println!(
                "generate (Caspio's own v3 document, {} KB): median {:.1} ms",
                reference.len() / 1024,
                t.as_secs_f64() * 1e3
            );
        }
        Err(e) => println!("(Caspio's reference document not found: {e})"),
    }
}
