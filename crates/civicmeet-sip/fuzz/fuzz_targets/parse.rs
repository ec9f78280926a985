//! Any bytes into the parser and the malformed-request answer: no panic,
//! and every answer is a response the parser takes back.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = civicmeet_sip::parse(data);
    if let Some(answer) = civicmeet_sip::answer_malformed(data) {
        let response = civicmeet_sip::parse(&answer).expect("our answers parse");
        assert!(matches!(response.start, civicmeet_sip::StartLine::Response { .. }));
    }
});
