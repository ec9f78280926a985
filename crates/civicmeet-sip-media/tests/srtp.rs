//! SRTP and SRTCP (RFC 3711): the RFC's own test vectors, packets made by
//! an independent implementation (libsrtp), round trips of both suites,
//! tags that refuse any flipped bit, the replay window, the rollover
//! counter across a sequence wrap, and input that never panics.

mod common;

use civicmeet_sip_media::srtp::{KeyLabel, MAX_STREAMS, REPLAY_WINDOW, aes_cm_keystream, prf};
use civicmeet_sip_media::{MasterKey, SrtpError, SrtpProfile, SrtpReceiver, SrtpSender};
use common::Rng;

const SUITES: [SrtpProfile; 2] = [
    SrtpProfile::AesCm128HmacSha1_80,
    SrtpProfile::AesCm128HmacSha1_32,
];

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|b| b.is_ascii_hexdigit())
        .map(|b| (b as char).to_digit(16).unwrap() as u8)
        .collect();
    digits
        .chunks(2)
        .map(|pair| pair[0] << 4 | pair[1])
        .collect()
}

fn key(seed: u8) -> MasterKey {
    let bytes: Vec<u8> = (0..30u8)
        .map(|i| i.wrapping_mul(31).wrapping_add(seed))
        .collect();
    MasterKey::from_slice(&bytes).unwrap()
}

/// An RTP packet: PCMU, timestamp 160 per packet, a payload that differs
/// per sequence number.
fn rtp(seq: u16, ssrc: u32, payload_len: usize) -> Vec<u8> {
    let mut packet = vec![0x80, 0x00];
    packet.extend_from_slice(&seq.to_be_bytes());
    packet.extend_from_slice(&u32::from(seq).wrapping_mul(160).to_be_bytes());
    packet.extend_from_slice(&ssrc.to_be_bytes());
    packet.extend((0..payload_len).map(|i| (i * 7 + usize::from(seq)) as u8));
    packet
}

/// A receiver report with one report block (32 bytes), `n` in its body.
fn rtcp(ssrc: u32, n: u32) -> Vec<u8> {
    let mut packet = vec![0x81, 201, 0, 7];
    packet.extend_from_slice(&ssrc.to_be_bytes());
    packet.extend_from_slice(&0xdead_beef_u32.to_be_bytes());
    for word in [n, 1000 + n, 2000 + n, 3000 + n, 4000 + n] {
        packet.extend_from_slice(&word.to_be_bytes());
    }
    packet
}

fn protect(sender: &mut SrtpSender, packet: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    sender.protect_rtp(packet, &mut out).unwrap();
    out
}

fn protect_rtcp(sender: &mut SrtpSender, packet: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    sender.protect_rtcp(packet, &mut out).unwrap();
    out
}

fn unprotect(receiver: &mut SrtpReceiver, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
    let mut out = Vec::new();
    receiver.unprotect_rtp(packet, &mut out).map(|()| out)
}

fn unprotect_rtcp(receiver: &mut SrtpReceiver, packet: &[u8]) -> Result<Vec<u8>, SrtpError> {
    let mut out = Vec::new();
    receiver.unprotect_rtcp(packet, &mut out).map(|()| out)
}

fn pair(profile: SrtpProfile, seed: u8) -> (SrtpSender, SrtpReceiver) {
    (
        SrtpSender::new(profile, &key(seed)),
        SrtpReceiver::new(profile, &key(seed)),
    )
}

// RFC 3711 Appendix B.

/// B.2: the AES-CM keystream of session key 2B7E...4F3C and salt
/// F0F1...FCFD for SSRC 0, index 0, at the first blocks and at the
/// counter's 0xfeff to 0xff01.
#[test]
fn appendix_b2_aes_cm_keystream() {
    let session_key: [u8; 16] = hex("2B7E151628AED2A6ABF7158809CF4F3C").try_into().unwrap();
    let session_salt: [u8; 14] = hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD").try_into().unwrap();
    let mut keystream = vec![0u8; 0xff02 * 16];
    aes_cm_keystream(&session_key, &session_salt, 0, 0, &mut keystream);
    let block = |counter: usize| &keystream[counter * 16..counter * 16 + 16];
    assert_eq!(block(0x0000), hex("E03EAD0935C95E80E166B16DD92B4EB4"));
    assert_eq!(block(0x0001), hex("D23513162B02D0F72A43A2FE4A5F97AB"));
    assert_eq!(block(0x0002), hex("41E95B3BB0A2E8DD477901E4FCA894C0"));
    assert_eq!(block(0xfeff), hex("EC8CDF7398607CB0F2D21675EA9EA1E4"));
    assert_eq!(block(0xff00), hex("362B7C3C6773516318A077D7FC5073AE"));
    assert_eq!(block(0xff01), hex("6A2CC3787889374FBEB4C81B17BA6C44"));
}

/// B.3: the session keys of master key E1F9...4139, salt 0EC6...ABE6,
/// with a key derivation rate of 0; the auth label's PRF output to the
/// 94 bytes the appendix lists.
#[test]
fn appendix_b3_key_derivation() {
    let master = MasterKey::from_slice(&hex(
        "E1F97A0D3E018BE0D64FA32C06DE4139 0EC675AD498AFEEBB6960B3AABE6",
    ))
    .unwrap();
    let mut cipher_key = [0u8; 16];
    prf(&master, KeyLabel::RtpEncryption, &mut cipher_key);
    assert_eq!(cipher_key.to_vec(), hex("C61E7A93744F39EE10734AFE3FF7A087"));
    let mut cipher_salt = [0u8; 14];
    prf(&master, KeyLabel::RtpSalt, &mut cipher_salt);
    assert_eq!(cipher_salt.to_vec(), hex("30CBBC08863D8C85D49DB34A9AE1"));
    let mut auth_key = [0u8; 94];
    prf(&master, KeyLabel::RtpAuthentication, &mut auth_key);
    assert_eq!(
        auth_key.to_vec(),
        hex(
            "CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE
             E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25
             6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2"
        )
    );
}

// Against libsrtp.

/// Packets protected by libsrtp 2 (the pylibsrtp 1.0 wheel, in a
/// throwaway venv) with master key and salt 0x41..0x5e, SSRC 0x12345678:
/// PCMU-like packets across the sequence wrap (65533 to 1), one with two
/// CSRCs and a header extension, and a compound SR + SDES three times
/// (libsrtp numbers SRTCP from 1, so its packets carry indices 1 to 3).
/// Each line: plain, then protected with the 80-bit suite. The 32-bit
/// suite's packets are the same but for the tag, cut to its first four
/// bytes; its SRTCP is the 80-bit suite's, byte for byte.
const LIBSRTP_RTP: [(&str, &str); 6] = [
    (
        "8000fffd009ffe2012345678fd040b121920272e353c434a51585f666d747b82",
        "8000fffd009ffe2012345678f22688eee6dce1ca93e96c62a0360300ed1fc22ebb716c93c63cc074a49d",
    ),
    (
        "8000fffe009ffec012345678fe050c131a21282f363d444b525960676e757c83",
        "8000fffe009ffec0123456782f22f710388b71469a6b2ddf4ca9dfa45e366dc7709d1c0f8845fdb318b3",
    ),
    (
        "8000ffff009fff6012345678ff060d141b222930373e454c535a61686f767d84",
        "8000ffff009fff6012345678bddebed54b6b2f3fe542b067923d80e491b965966bbbf29984c7cfcdc2ba",
    ),
    (
        "80000000000000001234567800070e151c232a31383f464d545b626970777e85",
        "800000000000000012345678629ae8418f38e401ca18d68170ca634cf5b3527375d4c19e5e8eec12d70a",
    ),
    (
        "80000001000000a01234567801080f161d242b323940474e555c636a71787f86",
        "80000001000000a012345678d976b2347decbbfa925a23f0415585f08e65cac133018cdc7cdb176f0888",
    ),
    (
        "920000020000014012345678c0000000c0000001bede000210aa21bbcc000000020910171e252c333a\
         41484f565d646b727980878e959ca3aab1b8bfc6cdd4dbe2",
        "920000020000014012345678c0000000c0000001bede000210aa21bbcc00000030ddc3be7da3b01054\
         d2f0407f0350bd7e483bd9502376225f7f8f1f4936577528aacaa5c43d88a010d616",
    ),
];

const LIBSRTP_RTCP: [(&str, &str); 3] = [
    (
        "80c8000612345678e123456789abcdef000003e80000003200001f4081ca000512345678010b636976\
         69636d6565742d31000000",
        "80c8000612345678c19b28ba0941dfdaafa2f703e94e6d136071e64821169d76d10a331a537c1c07b3\
         c2da5ff658850c6972d05280000001d3dfc73cb2c3b10ed9b2",
    ),
    (
        "80c8000612345678e123456789abcdef000003e90000003300001f4181ca000512345678010b636976\
         69636d6565742d31000000",
        "80c80006123456780ef81827c7d08a6d6a4288f7cb5fa85120a7d2d101c8ffc3db100e4785f9315762\
         19775cc7bece03e38b143a800000023f6a5033dd70b8e8f582",
    ),
    (
        "80c8000612345678e123456789abcdef000003ea0000003400001f4281ca000512345678010b636976\
         69636d6565742d31000000",
        "80c80006123456785aa132d8f55bbdd1b6c13884afc7dad4ac65bea10d22d2e839cc516758f9df14a6\
         ddedca97bf541bd1633fdd80000003482e1fcf90af41f6e7ca",
    ),
];

fn libsrtp_key() -> MasterKey {
    MasterKey::from_slice(&(0x41..0x41 + 30).collect::<Vec<u8>>()).unwrap()
}

/// The libsrtp packet for `suite`: the 32-bit suite keeps four tag bytes.
fn libsrtp_rtp(protected: &str, suite: SrtpProfile) -> Vec<u8> {
    let mut packet = hex(protected);
    packet.truncate(packet.len() - 10 + suite.rtp_tag_len());
    packet
}

#[test]
fn libsrtp_packets_open_here_across_the_wrap() {
    for suite in SUITES {
        let mut receiver = SrtpReceiver::new(suite, &libsrtp_key());
        for (plain, protected) in LIBSRTP_RTP {
            let packet = libsrtp_rtp(protected, suite);
            assert_eq!(
                unprotect(&mut receiver, &packet).unwrap(),
                hex(plain),
                "{suite:?}"
            );
        }
        assert_eq!(receiver.rtp_index(0x1234_5678), Some(1 << 16 | 2));
        for (plain, protected) in LIBSRTP_RTCP {
            assert_eq!(
                unprotect_rtcp(&mut receiver, &hex(protected)).unwrap(),
                hex(plain)
            );
        }
    }
}

/// What we protect is what libsrtp protects, byte for byte, so libsrtp
/// takes it: RTP across the wrap, and SRTCP once our index has reached
/// libsrtp's first (ours starts at 0, as RFC 3711 §3.4 says).
#[test]
fn we_protect_exactly_as_libsrtp() {
    for suite in SUITES {
        let mut sender = SrtpSender::new(suite, &libsrtp_key());
        for (plain, protected) in LIBSRTP_RTP {
            assert_eq!(
                protect(&mut sender, &hex(plain)),
                libsrtp_rtp(protected, suite)
            );
        }
        let first = protect_rtcp(&mut sender, &hex(LIBSRTP_RTCP[0].0));
        assert_eq!(&first[first.len() - 14..first.len() - 10], &[0x80, 0, 0, 0]);
        for (plain, protected) in LIBSRTP_RTCP {
            assert_eq!(protect_rtcp(&mut sender, &hex(plain)), hex(protected));
        }
    }
}

// Round trips.

#[test]
fn rtp_round_trips_in_both_suites() {
    for suite in SUITES {
        let (mut sender, mut receiver) = pair(suite, 1);
        for (seq, len) in (1000u16..).zip([0, 1, 15, 16, 17, 160, 320, 1200]) {
            let plain = rtp(seq, 0xabcd, len);
            let protected = protect(&mut sender, &plain);
            assert_eq!(protected.len(), plain.len() + suite.rtp_tag_len());
            assert_eq!(
                protected[..12],
                plain[..12],
                "the header stays in the clear"
            );
            if len >= 16 {
                assert_ne!(
                    protected[12..12 + len],
                    plain[12..],
                    "the payload is encrypted"
                );
            }
            assert_eq!(unprotect(&mut receiver, &protected).unwrap(), plain);
        }
    }
}

#[test]
fn rtcp_round_trips_in_both_suites_with_an_80_bit_tag() {
    for suite in SUITES {
        let (mut sender, mut receiver) = pair(suite, 2);
        for n in 0..5 {
            let plain = rtcp(0xabcd, n);
            let protected = protect_rtcp(&mut sender, &plain);
            assert_eq!(protected.len(), plain.len() + 4 + 10);
            assert_eq!(
                protected[..8],
                plain[..8],
                "the first header stays in the clear"
            );
            assert_ne!(
                protected[8..plain.len()],
                plain[8..],
                "the rest is encrypted"
            );
            let index =
                u32::from_be_bytes(protected[plain.len()..plain.len() + 4].try_into().unwrap());
            assert_eq!(index, 0x8000_0000 | n, "E flag and SRTCP index");
            assert_eq!(unprotect_rtcp(&mut receiver, &protected).unwrap(), plain);
        }
    }
}

#[test]
fn each_ssrc_has_its_own_index_and_another_key_is_refused() {
    let (mut sender, mut receiver) = pair(SrtpProfile::AesCm128HmacSha1_80, 3);
    let audio = protect(&mut sender, &rtp(7, 1, 160));
    let video = protect(&mut sender, &rtp(7, 2, 160));
    assert_ne!(audio[12..172], video[12..172], "the SSRC is in the IV");
    assert!(unprotect(&mut receiver, &audio).is_ok());
    assert!(unprotect(&mut receiver, &video).is_ok());

    let mut stranger = SrtpReceiver::new(SrtpProfile::AesCm128HmacSha1_80, &key(4));
    assert_eq!(
        unprotect(&mut stranger, &protect(&mut sender, &rtp(8, 1, 160))),
        Err(SrtpError::Authentication)
    );
    let mut other_suite = SrtpReceiver::new(SrtpProfile::AesCm128HmacSha1_32, &key(3));
    assert!(unprotect(&mut other_suite, &protect(&mut sender, &rtp(9, 1, 160))).is_err());
}

// Authentication.

#[test]
fn a_flipped_bit_anywhere_is_refused_and_changes_nothing() {
    for suite in SUITES {
        let (mut sender, mut receiver) = pair(suite, 5);
        let rtp_packet = protect(&mut sender, &rtp(40, 9, 40));
        let rtcp_packet = protect_rtcp(&mut sender, &rtcp(9, 1));
        for bit in 0..rtp_packet.len() * 8 {
            let mut damaged = rtp_packet.clone();
            damaged[bit / 8] ^= 1 << (bit % 8);
            let mut out = vec![1, 2, 3];
            assert!(
                receiver.unprotect_rtp(&damaged, &mut out).is_err(),
                "RTP bit {bit}"
            );
            assert!(out.is_empty(), "nothing unauthenticated comes out");
        }
        for bit in 0..rtcp_packet.len() * 8 {
            let mut damaged = rtcp_packet.clone();
            damaged[bit / 8] ^= 1 << (bit % 8);
            assert!(
                unprotect_rtcp(&mut receiver, &damaged).is_err(),
                "RTCP bit {bit}"
            );
        }
        assert_eq!(
            receiver.rtp_index(9),
            None,
            "no damaged packet was recorded"
        );
        assert!(unprotect(&mut receiver, &rtp_packet).is_ok());
        assert!(unprotect_rtcp(&mut receiver, &rtcp_packet).is_ok());
    }
}

#[test]
fn short_and_malformed_packets_are_errors() {
    let (mut sender, mut receiver) = pair(SrtpProfile::AesCm128HmacSha1_80, 6);
    let mut out = Vec::new();
    assert_eq!(
        receiver.unprotect_rtp(&[], &mut out),
        Err(SrtpError::TooShort(0))
    );
    assert_eq!(
        receiver.unprotect_rtp(&[0x80; 21], &mut out),
        Err(SrtpError::TooShort(21))
    );
    assert_eq!(
        receiver.unprotect_rtcp(&[0x80; 21], &mut out),
        Err(SrtpError::TooShort(21))
    );
    assert_eq!(
        sender.protect_rtp(&[0x80; 11], &mut out),
        Err(SrtpError::TooShort(11))
    );
    assert_eq!(
        sender.protect_rtcp(&[0x80; 7], &mut out),
        Err(SrtpError::TooShort(7))
    );
    let mut version_1 = rtp(1, 1, 20);
    version_1[0] = 0x40;
    assert_eq!(
        sender.protect_rtp(&version_1, &mut out),
        Err(SrtpError::Version(1))
    );
    let mut csrcs_missing = rtp(1, 1, 20);
    csrcs_missing[0] = 0x8f;
    assert_eq!(
        sender.protect_rtp(&csrcs_missing, &mut out),
        Err(SrtpError::HeaderOverrun)
    );
    let mut long_extension = rtp(1, 1, 20);
    long_extension[0] = 0x90;
    long_extension[14..16].copy_from_slice(&[0x10, 0x00]);
    assert_eq!(
        sender.protect_rtp(&long_extension, &mut out),
        Err(SrtpError::HeaderOverrun)
    );
}

// Replay and reordering.

#[test]
fn replays_are_refused_and_reordering_within_the_window_is_taken() {
    let (mut sender, mut receiver) = pair(SrtpProfile::AesCm128HmacSha1_80, 7);
    let packets: Vec<Vec<u8>> = (0..300u16)
        .map(|seq| protect(&mut sender, &rtp(seq, 5, 20)))
        .collect();
    // Deliver in blocks of 64, each block backwards: up to 63 late.
    for block in packets.chunks(64) {
        for packet in block.iter().rev() {
            unprotect(&mut receiver, packet).unwrap();
        }
    }
    assert_eq!(receiver.rtp_index(5), Some(299));
    for seq in [299u64, 250, 299 - (REPLAY_WINDOW - 1)] {
        let replay = &packets[seq as usize];
        assert_eq!(
            unprotect(&mut receiver, replay),
            Err(SrtpError::Replayed(seq))
        );
    }
    let too_old = 299 - REPLAY_WINDOW;
    assert_eq!(
        unprotect(&mut receiver, &packets[too_old as usize]),
        Err(SrtpError::TooOld(too_old))
    );

    // A packet that was lost, arriving late but inside the window, is taken once.
    let late_sender_packet = protect(&mut sender, &rtp(305, 5, 20));
    let next = protect(&mut sender, &rtp(306, 5, 20));
    unprotect(&mut receiver, &next).unwrap();
    unprotect(&mut receiver, &late_sender_packet).unwrap();
    assert_eq!(
        unprotect(&mut receiver, &late_sender_packet),
        Err(SrtpError::Replayed(305))
    );
}

#[test]
fn srtcp_replays_are_refused() {
    let (mut sender, mut receiver) = pair(SrtpProfile::AesCm128HmacSha1_32, 8);
    let first = protect_rtcp(&mut sender, &rtcp(3, 0));
    let second = protect_rtcp(&mut sender, &rtcp(3, 1));
    unprotect_rtcp(&mut receiver, &second).unwrap();
    unprotect_rtcp(&mut receiver, &first).unwrap();
    assert_eq!(
        unprotect_rtcp(&mut receiver, &first),
        Err(SrtpError::Replayed(0))
    );
    assert_eq!(
        unprotect_rtcp(&mut receiver, &second),
        Err(SrtpError::Replayed(1))
    );
}

#[test]
fn the_sender_never_protects_one_index_twice() {
    let (mut sender, _) = pair(SrtpProfile::AesCm128HmacSha1_80, 9);
    protect(&mut sender, &rtp(10, 1, 20));
    let mut out = Vec::new();
    assert_eq!(
        sender.protect_rtp(&rtp(10, 1, 20), &mut out),
        Err(SrtpError::Replayed(10)),
        "the same keystream twice would leak the XOR of two payloads"
    );
    assert!(out.is_empty());
    // Another SSRC may use the same sequence number: its IV differs.
    protect(&mut sender, &rtp(10, 2, 20));
}

// The rollover counter.

#[test]
fn the_rollover_counter_follows_a_sequence_wrap_on_both_sides() {
    for suite in SUITES {
        let (mut sender, mut receiver) = pair(suite, 10);
        let seqs: Vec<u16> = (0..400u32).map(|n| (65_400 + n) as u16).collect();
        let packets: Vec<(Vec<u8>, Vec<u8>)> = seqs
            .iter()
            .map(|&seq| {
                let plain = rtp(seq, 77, 30);
                (protect(&mut sender, &plain), plain)
            })
            .collect();
        assert_eq!(sender.rtp_index(77), Some(1 << 16 | u64::from(seqs[399])));
        // Across the wrap, deliver pairs swapped: 65535 after 0.
        for pair in packets.chunks(2) {
            for (protected, plain) in pair.iter().rev() {
                assert_eq!(&unprotect(&mut receiver, protected).unwrap(), plain);
            }
        }
        assert_eq!(receiver.rtp_index(77), Some(1 << 16 | u64::from(seqs[399])));
    }
}

#[test]
fn a_late_packet_from_before_the_wrap_decrypts_with_the_old_counter() {
    let (mut sender, mut receiver) = pair(SrtpProfile::AesCm128HmacSha1_80, 11);
    let before_wrap = protect(&mut sender, &rtp(65_530, 1, 30));
    let after: Vec<Vec<u8>> = (65_531..=65_535u16)
        .chain(0..20)
        .map(|seq| protect(&mut sender, &rtp(seq, 1, 30)))
        .collect();
    for packet in &after {
        unprotect(&mut receiver, packet).unwrap();
    }
    assert_eq!(receiver.rtp_index(1), Some(1 << 16 | 19));
    assert_eq!(
        unprotect(&mut receiver, &before_wrap).unwrap(),
        rtp(65_530, 1, 30)
    );
    assert_eq!(receiver.rtp_index(1), Some(1 << 16 | 19));
}

#[test]
fn a_forged_jump_ahead_moves_no_counter() {
    let (mut sender, mut receiver) = pair(SrtpProfile::AesCm128HmacSha1_80, 12);
    for seq in 60_000..60_010u16 {
        unprotect(&mut receiver, &protect(&mut sender, &rtp(seq, 1, 30))).unwrap();
    }
    let mut forged = protect(
        &mut SrtpSender::new(SrtpProfile::AesCm128HmacSha1_80, &key(99)),
        &rtp(100, 1, 30),
    );
    // A forger sends sequence numbers that would move the ROC on (100,
    // 20000) or the window ahead (60050).
    for seq in [100u16, 20_000, 60_050] {
        forged[2..4].copy_from_slice(&seq.to_be_bytes());
        assert_eq!(
            unprotect(&mut receiver, &forged),
            Err(SrtpError::Authentication)
        );
    }
    forged[2..4].copy_from_slice(&59_000u16.to_be_bytes());
    assert_eq!(
        unprotect(&mut receiver, &forged),
        Err(SrtpError::TooOld(59_000))
    );
    assert_eq!(receiver.rtp_index(1), Some(60_009));
    for seq in 60_010..60_020u16 {
        unprotect(&mut receiver, &protect(&mut sender, &rtp(seq, 1, 30))).unwrap();
    }
}

#[test]
fn before_the_first_wrap_there_is_no_earlier_counter() {
    let (mut sender, mut receiver) = pair(SrtpProfile::AesCm128HmacSha1_80, 13);
    let first = protect(&mut sender, &rtp(10, 1, 20));
    unprotect(&mut receiver, &first).unwrap();
    // Seen from a stream that started at 10, sequence number 65000 lies
    // before the wrap to ROC 0: there is no such packet.
    let (mut other_sender, _) = pair(SrtpProfile::AesCm128HmacSha1_80, 13);
    let early = protect(&mut other_sender, &rtp(65_000, 1, 20));
    assert!(matches!(
        unprotect(&mut receiver, &early),
        Err(SrtpError::TooOld(_))
    ));
    assert_eq!(receiver.rtp_index(1), Some(10));
}

#[test]
fn more_ssrcs_than_a_context_keeps_are_refused() {
    let (mut sender, mut receiver) = pair(SrtpProfile::AesCm128HmacSha1_80, 14);
    for ssrc in 0..MAX_STREAMS as u32 {
        unprotect(&mut receiver, &protect(&mut sender, &rtp(1, ssrc, 10))).unwrap();
    }
    let mut out = Vec::new();
    assert_eq!(
        sender.protect_rtp(&rtp(1, 1_000_000, 10), &mut out),
        Err(SrtpError::TooManyStreams)
    );
    // Known SSRCs go on.
    unprotect(&mut receiver, &protect(&mut sender, &rtp(2, 3, 10))).unwrap();
}

#[test]
fn master_keys_are_30_bytes() {
    assert!(MasterKey::from_slice(&[0; 30]).is_ok());
    assert_eq!(
        MasterKey::from_slice(&[0; 29]).err(),
        Some(SrtpError::KeyLength(29))
    );
    assert_eq!(
        MasterKey::from_slice(&[0; 31]).err(),
        Some(SrtpError::KeyLength(31))
    );
    assert_eq!(format!("{:?}", key(1)), "MasterKey { .. }");
}

// Untrusted input.

/// Random datagrams, truncations and mutations of real packets: errors,
/// never a panic, and the real stream goes on afterwards.
#[test]
fn random_and_mutated_packets_never_panic() {
    let mut rng = Rng::new(0x5eed);
    for suite in SUITES {
        let (mut sender, mut receiver) = pair(suite, 15);
        let mut spare = SrtpSender::new(suite, &key(1));
        let mut out = Vec::new();
        for round in 0..3000u32 {
            let seq = round as u16;
            let real = protect(&mut sender, &rtp(seq, 21, (round % 200) as usize));
            let real_rtcp = protect_rtcp(&mut sender, &rtcp(21, round));
            let len = rng.below(120) as usize;
            let random = rng.bytes(len);
            let cut = rng.below(real.len() as u64) as usize;
            let mut mutated = real.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(mutated.len() as u64) as usize;
                mutated[at] = rng.next() as u8;
            }
            let mut mutated_rtcp = real_rtcp.clone();
            let at = rng.below(mutated_rtcp.len() as u64) as usize;
            mutated_rtcp[at] ^= 1 + rng.below(255) as u8;
            for input in [
                &random[..],
                &real[..cut],
                &mutated_rtcp[..],
                &real_rtcp[..cut % real_rtcp.len()],
            ] {
                let _ = receiver.unprotect_rtp(input, &mut out);
                let _ = receiver.unprotect_rtcp(input, &mut out);
                let _ = spare.protect_rtp(input, &mut out);
                let _ = spare.protect_rtcp(input, &mut out);
            }
            if mutated != real {
                assert!(receiver.unprotect_rtp(&mutated, &mut out).is_err());
            }
            assert_eq!(
                unprotect(&mut receiver, &real).unwrap(),
                rtp(seq, 21, (round % 200) as usize)
            );
            assert_eq!(
                unprotect_rtcp(&mut receiver, &real_rtcp).unwrap(),
                rtcp(21, round)
            );
        }
    }
}

/// RFC 3711 §3.4 lets a sender leave SRTCP unencrypted (E flag clear)
/// while still authenticating it: such a packet, tagged here by hand
/// with the RTCP authentication key, is taken as it is; with the E flag
/// set by a forger instead, the tag no longer matches.
#[test]
fn authenticated_srtcp_without_the_e_flag_is_taken() {
    use hmac::{Hmac, KeyInit, Mac};
    use sha1::Sha1;

    let master = key(16);
    let mut auth_key = [0u8; 20];
    prf(&master, KeyLabel::RtcpAuthentication, &mut auth_key);
    let plain = rtcp(44, 1);
    let mut packet = plain.clone();
    packet.extend_from_slice(&7u32.to_be_bytes()); // E = 0, index 7
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&auth_key).unwrap();
    mac.update(&packet);
    packet.extend_from_slice(&mac.finalize().into_bytes()[..10]);

    let mut receiver = SrtpReceiver::new(SrtpProfile::AesCm128HmacSha1_80, &master);
    let mut forged = packet.clone();
    forged[plain.len()] |= 0x80;
    assert_eq!(
        unprotect_rtcp(&mut receiver, &forged),
        Err(SrtpError::Authentication)
    );
    assert_eq!(unprotect_rtcp(&mut receiver, &packet).unwrap(), plain);
    assert_eq!(
        unprotect_rtcp(&mut receiver, &packet),
        Err(SrtpError::Replayed(7))
    );
}
