//! Profile-token verification never panics and never accepts anything but
//! the one token signed with the test key.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use libfuzzer_sys::fuzz_target;
use veiviser_runtime::clock::ManualClock;
use veiviser_runtime::tokens::{KeySource, ProfileVerifier};

struct Harness {
    runtime: tokio::runtime::Runtime,
    verifier: ProfileVerifier,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let mut der = vec![
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
        ];
        der.extend_from_slice(&[7u8; 32]);
        let key = jsonwebtoken::EncodingKey::from_ed_der(&der);
        let mut jwk = Jwk::from_encoding_key(&key, Algorithm::EdDSA).expect("jwk");
        jwk.common.key_id = Some("test".into());
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_521_610));
        Harness {
            runtime: tokio::runtime::Builder::new_current_thread().build().expect("runtime"),
            verifier: ProfileVerifier::new(
                "https://trust.example",
                "nav",
                ["children_ages".to_string()],
                KeySource::Static(JwkSet { keys: vec![jwk] }),
                Arc::new(clock),
            ),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    let harness = harness();
    // Nothing the fuzzer writes is signed with the test key, so nothing may pass.
    let verdict = harness.runtime.block_on(harness.verifier.verify(&token));
    assert!(verdict.is_err(), "accepted a token the fuzzer made up");
});
