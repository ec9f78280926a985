//! Simulcast: which layer of each video track a subscriber gets.
//!
//! Browsers send video in three layers (RFC 8853 simulcast, rids `l`, `m`,
//! `h`: a quarter, half and full resolution, each at the full frame rate).
//! For every subscriber the router picks, per video track it receives, the
//! layer that fits the tile the subscriber shows it in, then steps layers
//! down, lowest priority first, until the sum fits the subscriber's
//! bandwidth estimate (str0m's TWCC estimator) minus what its audio needs.
//! Stepping a layer down lowers the resolution, never the frame rate: the
//! order EN 301 549 §6.5 asks for (sign language needs motion more than
//! pixels). Video is never paused for the budget, only for tiles nobody
//! can see: the estimate follows what is being sent, so a new track (a
//! screen share starting) always looks over budget at first, and pausing
//! a camera on that would make the picture flicker away while the
//! estimator probes upward. Audio is never touched, and str0m's pacer
//! sends it unpaced, ahead of any video queue.
//!
//! Pure arithmetic, no str0m: the participant feeds it numbers.

use str0m::media::Rid;

/// A simulcast layer, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    Low,
    Medium,
    High,
}

impl Layer {
    pub const ALL: [Layer; 3] = [Layer::Low, Layer::Medium, Layer::High];

    /// The rid our client gives the layer (`call.js`).
    pub fn rid(self) -> Rid {
        match self {
            Layer::Low => "l".into(),
            Layer::Medium => "m".into(),
            Layer::High => "h".into(),
        }
    }

    pub fn from_rid(rid: Rid) -> Option<Layer> {
        Layer::ALL.into_iter().find(|l| l.rid() == rid)
    }

    /// What a layer typically needs before its real rate is measured
    /// (bits per second; the client caps the layers near these).
    pub fn default_rate(self) -> u64 {
        match self {
            Layer::Low => 150_000,
            Layer::Medium => 500_000,
            Layer::High => 1_500_000,
        }
    }

    /// The layer that fills a tile `height` screen pixels tall: the
    /// smallest whose picture is at least as tall (nearly: a tenth of
    /// upscaling is invisible), so a tile never shows an upscaled picture
    /// when a sharper layer exists. `heights` are the layers' picture
    /// heights where known (from VP8 keyframes); unknown ones assume a
    /// 720p camera (180, 360, 720).
    pub fn for_tile(height: u32, heights: [Option<u32>; 3]) -> Layer {
        const ASSUMED: [u32; 3] = [180, 360, 720];
        Layer::ALL
            .into_iter()
            .find(|l| {
                let picture = heights[*l as usize].unwrap_or(ASSUMED[*l as usize]);
                picture * 10 >= height * 9
            })
            .unwrap_or(Layer::High)
    }
}

/// Budget reserved per audio track a subscriber receives (Opus at speech
/// rates plus RTP/SRTP overhead), so video never takes audio's share.
pub const AUDIO_RESERVE: u64 = 50_000;

/// Whose video is more important to a subscriber, most important last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    Normal,
    ActiveSpeaker,
    /// A shared screen (text must stay legible).
    ScreenShare,
}

/// One video track a subscriber receives, as the allocation sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub priority: Priority,
    /// The layer the tile asks for; `None`: the tile is not visible.
    pub wanted: Option<Layer>,
    /// Measured bits per second of each layer, indexed like
    /// [`Layer::ALL`]. `None`: the publisher does not send that layer
    /// (browsers drop the top layers of small cameras, or under load);
    /// all `None`: nothing measured yet, every layer is assumed, at its
    /// default rate.
    pub rates: [Option<u64>; 3],
}

impl Need {
    pub fn rate(&self, layer: Layer) -> u64 {
        self.rates[layer as usize].unwrap_or_else(|| layer.default_rate())
    }

    fn sent(&self, layer: Layer) -> bool {
        self.rates.iter().all(Option::is_none) || self.rates[layer as usize].is_some()
    }

    /// The wanted layer, or the nearest the publisher sends: below it if
    /// possible, else above.
    fn wanted_sent(&self) -> Option<Layer> {
        let wanted = self.wanted?;
        let below = Layer::ALL
            .into_iter()
            .rev()
            .find(|l| *l <= wanted && self.sent(*l));
        below.or_else(|| Layer::ALL.into_iter().find(|l| self.sent(*l)))
    }

    /// The next lower layer the publisher sends.
    fn below(&self, layer: Layer) -> Option<Layer> {
        Layer::ALL
            .into_iter()
            .rev()
            .find(|l| *l < layer && self.sent(*l))
    }
}

/// Picks a layer for each visible track (`None` for tiles nobody sees) so
/// that the total fits `estimate` bits per second, with `audio_tracks`
/// reserved first, as far as stepping resolutions down can make it fit.
pub fn allocate(estimate: u64, audio_tracks: usize, needs: &[Need]) -> Vec<Option<Layer>> {
    let budget = estimate.saturating_sub(AUDIO_RESERVE * audio_tracks as u64);
    let mut chosen: Vec<Option<Layer>> = needs.iter().map(Need::wanted_sent).collect();
    let total = |chosen: &[Option<Layer>]| -> u64 {
        chosen
            .iter()
            .zip(needs)
            .filter_map(|(c, n)| c.map(|l| n.rate(l)))
            .sum()
    };
    // Step resolutions down one at a time, lowest priority first and among
    // equals the larger picture, so the cut is shared rather than one
    // track dropping to the bottom.
    while total(&chosen) > budget {
        let step = (0..needs.len())
            .filter(|&i| chosen[i].and_then(|l| needs[i].below(l)).is_some())
            .min_by_key(|&i| (needs[i].priority, std::cmp::Reverse(chosen[i])));
        match step {
            Some(i) => chosen[i] = chosen[i].and_then(|l| needs[i].below(l)),
            None => break,
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(priority: Priority, wanted: Option<Layer>) -> Need {
        Need {
            priority,
            wanted,
            rates: [None; 3],
        }
    }

    #[test]
    fn everything_wanted_fits_a_large_budget() {
        let needs = [
            need(Priority::Normal, Some(Layer::High)),
            need(Priority::Normal, Some(Layer::Medium)),
            need(Priority::Normal, None),
        ];
        assert_eq!(
            allocate(10_000_000, 3, &needs),
            vec![Some(Layer::High), Some(Layer::Medium), None]
        );
    }

    #[test]
    fn resolution_goes_down_before_anything_pauses_and_audio_is_reserved() {
        let needs = [
            need(Priority::Normal, Some(Layer::High)),
            need(Priority::Normal, Some(Layer::High)),
        ];
        // 2 × 500k + 2 audio = 1.1M: both at the half layer.
        assert_eq!(
            allocate(1_100_000, 2, &needs),
            vec![Some(Layer::Medium), Some(Layer::Medium)]
        );
        // 300 kbit/s with 2 audio tracks leaves 200k: both at the quarter
        // layer (300k), never paused; the estimator probes upward.
        assert_eq!(allocate(300_000, 2, &needs), vec![Some(Layer::Low); 2]);
    }

    #[test]
    fn the_screen_share_and_the_active_speaker_keep_their_quality_longest() {
        let needs = [
            need(Priority::Normal, Some(Layer::High)),
            need(Priority::ScreenShare, Some(Layer::High)),
            need(Priority::ActiveSpeaker, Some(Layer::High)),
        ];
        // 1.5M + 500k + 150k = 2.15M
        assert_eq!(
            allocate(2_150_000, 0, &needs),
            vec![Some(Layer::Low), Some(Layer::High), Some(Layer::Medium)]
        );
        // Nearly nothing: everything at the quarter layer, nothing paused.
        assert_eq!(allocate(160_000, 0, &needs), vec![Some(Layer::Low); 3]);
    }

    #[test]
    fn video_is_paused_only_for_tiles_nobody_sees() {
        let needs = [
            need(Priority::Normal, Some(Layer::High)),
            need(Priority::ActiveSpeaker, Some(Layer::Medium)),
            need(Priority::Normal, None),
        ];
        assert_eq!(
            allocate(10_000, 2, &needs),
            vec![Some(Layer::Low), Some(Layer::Low), None]
        );
    }

    #[test]
    fn only_layers_the_publisher_sends_are_chosen() {
        // A small camera: the browser sends no high layer.
        let mut two = need(Priority::Normal, Some(Layer::High));
        two.rates = [Some(100_000), Some(300_000), None];
        assert_eq!(allocate(10_000_000, 0, &[two]), vec![Some(Layer::Medium)]);
        // Only the high layer (unlayered video): a small tile still gets
        // it, and a small budget cannot step it down.
        let mut top = need(Priority::Normal, Some(Layer::Low));
        top.rates = [None, None, Some(900_000)];
        assert_eq!(allocate(10_000_000, 0, &[top]), vec![Some(Layer::High)]);
        assert_eq!(
            allocate(100_000, 0, &[top, top]),
            vec![Some(Layer::High); 2]
        );
    }

    #[test]
    fn measured_rates_replace_the_defaults() {
        let mut cheap = need(Priority::Normal, Some(Layer::High));
        cheap.rates = [Some(50_000), Some(100_000), Some(200_000)];
        assert_eq!(allocate(250_000, 0, &[cheap]), vec![Some(Layer::High)]);
    }

    #[test]
    fn tiles_map_to_layers_and_rids_round_trip() {
        let unknown = [None; 3];
        assert_eq!(Layer::for_tile(120, unknown), Layer::Low);
        assert_eq!(Layer::for_tile(300, unknown), Layer::Medium);
        assert_eq!(Layer::for_tile(720, unknown), Layer::High);
        assert_eq!(Layer::for_tile(2000, unknown), Layer::High);
        // A 640x360 camera: its layers are 90, 180 and 360 pixels tall.
        let small_camera = [Some(90), Some(180), Some(360)];
        assert_eq!(Layer::for_tile(170, small_camera), Layer::Medium);
        assert_eq!(Layer::for_tile(210, small_camera), Layer::High);
        assert_eq!(Layer::for_tile(95, small_camera), Layer::Low);
        for layer in Layer::ALL {
            assert_eq!(Layer::from_rid(layer.rid()), Some(layer));
        }
        assert_eq!(Layer::from_rid("x".into()), None);
    }
}
