//! SDES `a=crypto` lines (RFC 4568): offers as room systems write them
//! are answered with our own key under the same tag and suite; MKI,
//! unknown suites and session parameters that change SRTP are refused;
//! malformed lines are errors, never a panic.

use civicmeet_sip::sdp::SessionDescription;
use civicmeet_sip::sdp::crypto::{
    CryptoError, CryptoSuite, SDES_KEY_LEN, SdesKey, answer_crypto, crypto_line, parse_crypto,
};

/// RFC 4568's own example key: 30 bytes.
const EXAMPLE_KEY: &str = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";

fn fresh() -> [u8; SDES_KEY_LEN] {
    std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(5))
}

#[test]
fn a_room_systems_line_is_read() {
    let attribute = parse_crypto(&format!(
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{EXAMPLE_KEY}|2^31"
    ))
    .unwrap();
    assert_eq!(attribute.tag, 1);
    assert_eq!(attribute.suite, CryptoSuite::AesCm128HmacSha1_80);
    assert_eq!(&attribute.key.bytes()[..15], b"YS___semctl () ");
    assert_eq!(attribute.lifetime, Some(1 << 31));

    // As `MediaDescription::crypto` keeps it: the value only.
    let value = parse_crypto(&format!("2 AES_CM_128_HMAC_SHA1_32 inline:{EXAMPLE_KEY}")).unwrap();
    assert_eq!(
        (value.tag, value.suite),
        (2, CryptoSuite::AesCm128HmacSha1_32)
    );
    assert_eq!(value.lifetime, None);
    assert_eq!(value.key.bytes(), attribute.key.bytes());
}

/// A Cisco-style RTP/SAVP offer, parsed by the SDP parser: its kept
/// `a=crypto` values are answered with the first usable one's tag.
#[test]
fn an_savp_offer_is_answered_with_our_key() {
    let offer = format!(
        "v=0\r\no=tandberg 1 2 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
         m=audio 2326 RTP/SAVP 9 0 8 101\r\n\
         a=rtpmap:101 telephone-event/8000\r\n\
         a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{EXAMPLE_KEY}|2^48|1:4\r\n\
         a=crypto:2 AES_256_CM_HMAC_SHA1_80 inline:{EXAMPLE_KEY}{EXAMPLE_KEY}\r\n\
         a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:{EXAMPLE_KEY}|2^31\r\n\
         a=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:{EXAMPLE_KEY}\r\n\
         a=sendrecv\r\n"
    );
    let parsed = SessionDescription::parse(offer.as_bytes()).unwrap();
    let offered = &parsed.media[0].crypto;
    assert_eq!(offered.len(), 4);
    assert_eq!(parse_crypto(&offered[0]).err(), Some(CryptoError::Mki));
    assert_eq!(
        parse_crypto(&offered[1]).err(),
        Some(CryptoError::UnknownSuite)
    );

    let answer = answer_crypto(offered, &fresh()).unwrap();
    assert_eq!(answer.tag, 3);
    assert_eq!(answer.suite, CryptoSuite::AesCm128HmacSha1_32);
    assert_eq!(answer.remote_lifetime, Some(1 << 31));
    assert_eq!(&answer.remote_key.bytes()[..15], b"YS___semctl () ");
    assert_eq!(answer.local_key.bytes(), &fresh());
    assert!(
        answer
            .line
            .starts_with("a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:")
    );
    assert!(!answer.line.contains(['|', '\r', '\n']));

    // Our line reads back as the key we were given.
    let ours = parse_crypto(&answer.line).unwrap();
    assert_eq!(
        (ours.tag, ours.suite),
        (3, CryptoSuite::AesCm128HmacSha1_32)
    );
    assert_eq!(ours.key.bytes(), &fresh());
}

#[test]
fn nothing_usable_is_an_error() {
    let offered = [
        format!("1 AES_256_CM_HMAC_SHA1_80 inline:{EXAMPLE_KEY}{EXAMPLE_KEY}"),
        format!("2 AEAD_AES_128_GCM inline:{EXAMPLE_KEY}"),
        format!("3 F8_128_HMAC_SHA1_80 inline:{EXAMPLE_KEY}"),
        format!("4 aes_cm_128_hmac_sha1_80 inline:{EXAMPLE_KEY}"),
        format!("5 AES_CM_128_HMAC_SHA1_80 inline:{EXAMPLE_KEY}|1:4"),
        format!("6 AES_CM_128_HMAC_SHA1_80 inline:{EXAMPLE_KEY} KDR=10"),
    ];
    assert_eq!(
        answer_crypto(&offered, &fresh()).err(),
        Some(CryptoError::NothingUsable)
    );
    let none: [&str; 0] = [];
    assert_eq!(
        answer_crypto(&none, &fresh()).err(),
        Some(CryptoError::NothingUsable)
    );
}

#[test]
fn lifetimes_are_taken_in_both_forms() {
    for (text, packets) in [
        ("2^31", 1u64 << 31),
        ("2^20", 1 << 20),
        ("1048576", 1 << 20),
        ("2^48", 1 << 48),
    ] {
        let line = format!("1 AES_CM_128_HMAC_SHA1_80 inline:{EXAMPLE_KEY}|{text}");
        assert_eq!(
            parse_crypto(&line).unwrap().lifetime,
            Some(packets),
            "{text}"
        );
    }
    for bad in [
        "2^",
        "2^49",
        "2^x",
        "0",
        "abc",
        "",
        "2^31|2^20",
        "99999999999999999999999",
    ] {
        let line = format!("1 AES_CM_128_HMAC_SHA1_80 inline:{EXAMPLE_KEY}|{bad}");
        assert!(
            matches!(parse_crypto(&line), Err(CryptoError::Malformed(_))),
            "{bad}"
        );
    }
    // Lifetime and MKI together: the MKI refuses the line.
    let line = format!("1 AES_CM_128_HMAC_SHA1_80 inline:{EXAMPLE_KEY}|2^20|1:32");
    assert_eq!(parse_crypto(&line).err(), Some(CryptoError::Mki));
}

#[test]
fn keys_must_be_30_bytes_of_base64() {
    let short = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGU="; // 29 bytes
    let line = format!("1 AES_CM_128_HMAC_SHA1_80 inline:{short}");
    assert_eq!(parse_crypto(&line).err(), Some(CryptoError::KeyLength(29)));
    // Padding or none: peers differ, the length is what counts.
    let unpadded = short.trim_end_matches('=');
    let line = format!("1 AES_CM_128_HMAC_SHA1_80 inline:{unpadded}");
    assert_eq!(parse_crypto(&line).err(), Some(CryptoError::KeyLength(29)));
    let line = format!("1 AES_CM_128_HMAC_SHA1_80 inline:{EXAMPLE_KEY}AAAA");
    assert_eq!(parse_crypto(&line).err(), Some(CryptoError::KeyLength(33)));
    let line = "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGV*";
    assert!(matches!(parse_crypto(line), Err(CryptoError::Malformed(_))));
    let line = format!("1 AES_CM_128_HMAC_SHA1_80 inline:{}", "A".repeat(200));
    assert!(matches!(
        parse_crypto(&line),
        Err(CryptoError::KeyLength(_))
    ));
    // Key then salt, in order.
    let padded = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd";
    assert_eq!(
        parse_crypto(&format!("1 AES_CM_128_HMAC_SHA1_80 inline:{padded}"))
            .unwrap()
            .key
            .bytes(),
        &std::array::from_fn::<u8, 30, _>(|i| i as u8)
    );
}

#[test]
fn session_parameters_that_change_srtp_are_refused() {
    let with = |params: &str| {
        parse_crypto(&format!(
            "1 AES_CM_128_HMAC_SHA1_80 inline:{EXAMPLE_KEY} {params}"
        ))
    };
    assert!(with("WSH=64").is_ok());
    assert!(with("FEC_ORDER=FEC_SRTP WSH=128").is_ok());
    for refused in [
        "KDR=1",
        "UNENCRYPTED_SRTP",
        "UNENCRYPTED_SRTCP",
        "UNAUTHENTICATED_SRTP",
        "FEC_KEY=inline:x",
        "NEW_THING=1",
    ] {
        assert!(
            matches!(with(refused), Err(CryptoError::SessionParameter(_))),
            "{refused}"
        );
    }
}

#[test]
fn malformed_lines_are_errors() {
    let key = EXAMPLE_KEY;
    let cases: Vec<(String, CryptoError)> = vec![
        (String::new(), CryptoError::Malformed("empty")),
        ("a=crypto:".into(), CryptoError::Malformed("empty")),
        ("1".into(), CryptoError::Malformed("no crypto suite")),
        (
            "1 AES_CM_128_HMAC_SHA1_80".into(),
            CryptoError::Malformed("no key"),
        ),
        (
            format!("x AES_CM_128_HMAC_SHA1_80 inline:{key}"),
            CryptoError::Malformed("tag is not 1 to 9 digits"),
        ),
        (
            format!("1234567890 AES_CM_128_HMAC_SHA1_80 inline:{key}"),
            CryptoError::Malformed("tag is not 1 to 9 digits"),
        ),
        (
            format!("-1 AES_CM_128_HMAC_SHA1_80 inline:{key}"),
            CryptoError::Malformed("tag is not 1 to 9 digits"),
        ),
        (
            format!("1 AES_CM_128_HMAC_SHA1_80 {key}"),
            CryptoError::Malformed("key has no method"),
        ),
        (
            format!("1 AES_CM_128_HMAC_SHA1_80 uri:{key}"),
            CryptoError::UnknownKeyMethod,
        ),
        (
            format!("1 AES_CM_128_HMAC_SHA1_80 inline:{key}|2^20|1:4;inline:{key}|2^20|2:4"),
            CryptoError::SeveralKeys,
        ),
        (
            format!(
                "1 AES_CM_128_HMAC_SHA1_80 inline:{key}{}",
                " WSH=64".repeat(200)
            ),
            CryptoError::TooLong,
        ),
    ];
    for (line, error) in cases {
        assert_eq!(parse_crypto(&line).err(), Some(error), "{line:?}");
    }
    // The largest tag is taken.
    let line = format!("999999999 AES_CM_128_HMAC_SHA1_80 inline:{key}");
    assert_eq!(parse_crypto(&line).unwrap().tag, 999_999_999);
}

#[test]
fn keys_do_not_show_in_debug_output() {
    let attribute =
        parse_crypto(&format!("1 AES_CM_128_HMAC_SHA1_80 inline:{EXAMPLE_KEY}")).unwrap();
    let text = format!("{attribute:?}");
    assert!(text.contains("SdesKey { .. }"), "{text}");
    assert!(!text.contains('[') && !text.contains(EXAMPLE_KEY), "{text}");
    let answer = answer_crypto(
        &[format!("1 AES_CM_128_HMAC_SHA1_80 inline:{EXAMPLE_KEY}")],
        &fresh(),
    )
    .unwrap();
    assert!(!format!("{answer:?}").contains("semctl"));
    assert_eq!(
        crypto_line(7, CryptoSuite::AesCm128HmacSha1_80, &SdesKey::new([0; 30])),
        "a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    );
}

/// Xorshift64: deterministic "random" mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Every truncation of real lines, and 50,000 mutations of them (bytes
/// replaced, inserted, removed, including multi-byte characters):
/// parsing and answering give a value or an error, never a panic.
#[test]
fn mutated_lines_never_panic() {
    let seeds = [
        format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{EXAMPLE_KEY}|2^20|1:4"),
        format!("3 AES_CM_128_HMAC_SHA1_32 inline:{EXAMPLE_KEY}|2^31 WSH=64 KDR=2"),
        format!("a=crypto:12 AES_CM_128_HMAC_SHA1_80 inline:{EXAMPLE_KEY};inline:{EXAMPLE_KEY}"),
    ];
    for seed in &seeds {
        for (cut, _) in seed.char_indices() {
            let _ = parse_crypto(&seed[..cut]);
        }
    }
    let alphabet: Vec<char> = "0123456789:|^;= /+ABCaz_-\t\r\né€\u{0}\u{10ffff}"
        .chars()
        .collect();
    let mut rng = Rng(0x0dd5_eed5);
    let mut accepted = 0;
    for round in 0..50_000 {
        let mut chars: Vec<char> = seeds[round % seeds.len()].chars().collect();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(chars.len() + 1);
            let c = alphabet[rng.below(alphabet.len())];
            match rng.below(3) {
                0 if at < chars.len() => chars[at] = c,
                1 => chars.insert(at, c),
                _ if at < chars.len() => {
                    chars.remove(at);
                }
                _ => {}
            }
        }
        let line: String = chars.into_iter().collect();
        if let Ok(attribute) = parse_crypto(&line) {
            accepted += 1;
            assert!(attribute.tag <= 999_999_999);
        }
        let _ = answer_crypto(&[line.as_str()], &fresh());
    }
    // Some mutations leave a usable line (a changed tag or lifetime).
    assert!(accepted > 0);
}
