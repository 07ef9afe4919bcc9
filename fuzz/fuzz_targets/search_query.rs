//! Fuzz target `search_query`: see `quire_fuzzing` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quire_fuzzing::fuzz("search_query", data));
