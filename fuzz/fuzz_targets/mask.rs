//! Masking never panics on any input, and masking masked text changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let once = veiviser_masking::mask(&text);
    let twice = veiviser_masking::mask(&once.text);
    assert_eq!(once.text, twice.text, "masking is not idempotent");
    assert!(twice.found.is_empty(), "masked text still holds entities");
});
