//! Our outgoing RTP: own SSRC, sequence numbers up by one, timestamps up
//! by the codec's clock, the marker on each talkspurt's first packet.

use civicmeet_sip_media::{AudioDecoder, AudioEncoder, Codec, Packetizer, RtpPacket, SampleRate};

#[test]
fn packets_count_up_in_sequence_and_in_the_codecs_clock() {
    for (codec, ticks) in [
        (Codec::Pcmu, 160u32),
        (Codec::Pcma, 160),
        (Codec::G722, 160),
        (Codec::Opus, 960),
    ] {
        let pt = codec.static_payload_type().unwrap_or(111);
        let mut packetizer = Packetizer::new(codec, pt, 0x1122_3344, 65534, u32::MAX - ticks);
        let mut seen = Vec::new();
        for i in 0..4u8 {
            let bytes = packetizer.packetize(&[i; 10]);
            let packet = RtpPacket::parse(&bytes).unwrap();
            assert_eq!(packet.ssrc, 0x1122_3344);
            assert_eq!(packet.payload_type, pt);
            assert_eq!(packet.payload, &[i; 10]);
            seen.push((packet.sequence, packet.timestamp, packet.marker));
        }
        let t0 = u32::MAX - ticks;
        assert_eq!(
            seen,
            vec![
                (65534, t0, true),
                (65535, t0.wrapping_add(ticks), false),
                (0, t0.wrapping_add(2 * ticks), false),
                (1, t0.wrapping_add(3 * ticks), false),
            ],
            "{codec:?}"
        );
    }
}

#[test]
fn a_skipped_frame_advances_time_not_the_sequence_and_marks_the_next() {
    let mut packetizer = Packetizer::new(Codec::Pcma, 8, 7, 100, 1000);
    packetizer.packetize(b"a");
    packetizer.skip();
    packetizer.skip();
    assert_eq!(packetizer.next_sequence(), 101);
    assert_eq!(packetizer.next_timestamp(), 1000 + 3 * 160);
    let bytes = packetizer.packetize(b"b");
    let packet = RtpPacket::parse(&bytes).unwrap();
    assert!(packet.marker);
    assert_eq!((packet.sequence, packet.timestamp), (101, 1480));
    let bytes = packetizer.packetize(b"c");
    assert!(!RtpPacket::parse(&bytes).unwrap().marker);
}

#[test]
fn codecs_know_their_clocks_rates_and_payload_types() {
    assert_eq!(Codec::G722.clock_rate(), 8000);
    assert_eq!(Codec::G722.sample_rate(), SampleRate::Hz16000);
    assert_eq!(Codec::Pcmu.static_payload_type(), Some(0));
    assert_eq!(Codec::Pcma.static_payload_type(), Some(8));
    assert_eq!(Codec::G722.static_payload_type(), Some(9));
    assert_eq!(Codec::Opus.static_payload_type(), None);
    assert_eq!(Codec::Opus.frame_ticks(), 960);
    assert_eq!(
        AudioDecoder::new(Codec::Opus).unwrap().sample_rate(),
        SampleRate::Hz48000
    );
    assert_eq!(
        AudioEncoder::new(Codec::Opus).unwrap().sample_rate(),
        SampleRate::Hz48000
    );
    // 20 ms of each PCM codec: 160 bytes, and back to a frame at its rate.
    for codec in [Codec::Pcmu, Codec::Pcma, Codec::G722] {
        let mut encoder = AudioEncoder::new(codec).unwrap();
        let mut decoder = AudioDecoder::new(codec).unwrap();
        let rate = encoder.sample_rate();
        assert_eq!(rate, codec.sample_rate());
        assert_eq!(decoder.sample_rate(), rate);
        let mut bytes = Vec::new();
        encoder
            .encode(&vec![1000; rate.frame_len()], &mut bytes)
            .unwrap();
        assert_eq!(bytes.len(), 160, "{codec:?}");
        let mut pcm = Vec::new();
        decoder.decode(&bytes, &mut pcm).unwrap();
        assert_eq!(pcm.len(), rate.frame_len(), "{codec:?}");
    }
}
