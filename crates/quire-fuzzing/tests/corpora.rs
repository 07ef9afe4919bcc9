//! CI's share of the fuzzing: every committed input of every fuzz target — its seed corpus
//! (`fuzz/corpus/<target>/`) and the crashes found so far (`fuzz/regressions/<target>/`) — goes
//! once through the check the target runs, with no new inputs and no cargo-fuzz.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::path::{Path, PathBuf};

use quire_fuzzing::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `dir`, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

/// Runs `check` on every file under `dir`; what failed, with the file's name. A panic is caught and
/// reported like a broken invariant, as libFuzzer would report it.
fn replay(name: &str, dir: &Path) -> (usize, Vec<String>) {
    let check = quire_fuzzing::check(name).unwrap();
    let files = files(dir);
    let mut failures = Vec::new();
    for file in &files {
        let data = std::fs::read(file).unwrap();
        match std::panic::catch_unwind(|| check(&data)) {
            Ok(Ok(())) => {}
            Ok(Err(broken)) => failures.push(format!("{}: {broken}", file.display())),
            Err(_) => failures.push(format!("{}: panicked", file.display())),
        }
    }
    (files.len(), failures)
}

#[test]
fn every_seed_input_passes_its_targets_checks() {
    let mut failures = Vec::new();
    for (name, _) in TARGETS {
        let (count, failed) = replay(name, &fuzz_dir().join("corpus").join(name));
        assert!(count >= 3, "fuzz/corpus/{name}/ needs a few seed inputs, it has {count}");
        failures.extend(failed);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_crash_found_so_far_stays_fixed() {
    let mut failures = Vec::new();
    for (name, _) in TARGETS {
        failures.extend(replay(name, &fuzz_dir().join("regressions").join(name)).1);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_fuzz_target_has_its_check_and_every_check_its_target() {
    let on_disk: Vec<String> = files(&fuzz_dir().join("fuzz_targets"))
        .iter()
        .filter_map(|p| p.file_stem()?.to_str().map(str::to_owned))
        .collect();
    let listed: Vec<String> = TARGETS.iter().map(|(n, _)| (*n).to_owned()).collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(on_disk, sorted, "fuzz/fuzz_targets/*.rs and quire_fuzzing::TARGETS differ");
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for name in &listed {
        assert!(manifest.contains(&format!("name = \"{name}\"")), "fuzz/Cargo.toml has no [[bin]] {name}");
        let source = std::fs::read_to_string(fuzz_dir().join(format!("fuzz_targets/{name}.rs"))).expect("target");
        assert!(source.contains(&format!("quire_fuzzing::fuzz(\"{name}\"")), "{name}.rs does not run its own check");
    }
}
