//! Keyframe requests to one published track, throttled per simulcast layer.
//!
//! Keyframes are ten times the size of other frames: a burst of
//! subscribers or losses must not make the publisher send one per request.
//! A request within [`KEYFRAME_REQUEST_INTERVAL`] of the last one for the
//! same layer is deferred to the interval's end, not dropped, or a
//! subscriber that arrived just after another would wait for the browser's
//! next own keyframe. Layers are throttled apart: a subscriber switching to
//! the low layer must not wait because another just asked for the high one.

use std::time::{Duration, Instant};

use str0m::media::{KeyframeRequestKind, Rid};

/// Keyframe requests for one layer of a track go out at most this often.
pub(crate) const KEYFRAME_REQUEST_INTERVAL: Duration = Duration::from_millis(500);

#[derive(Debug, Default)]
pub(crate) struct KeyframeThrottle {
    layers: Vec<LayerThrottle>,
}

#[derive(Debug)]
struct LayerThrottle {
    rid: Option<Rid>,
    last: Option<Instant>,
    deferred: Option<KeyframeRequestKind>,
}

impl LayerThrottle {
    fn deferred_until(&self) -> Option<Instant> {
        self.deferred?;
        self.last.map(|t| t + KEYFRAME_REQUEST_INTERVAL)
    }
}

impl KeyframeThrottle {
    /// Whether a request for `rid` may go out now. If not, it is kept for
    /// the end of the interval (a full intra request outranks a picture
    /// loss indication).
    pub fn admit(&mut self, now: Instant, rid: Option<Rid>, kind: KeyframeRequestKind) -> bool {
        let layer = self.layer(rid);
        if layer
            .last
            .is_some_and(|t| now.saturating_duration_since(t) < KEYFRAME_REQUEST_INTERVAL)
        {
            if layer.deferred != Some(KeyframeRequestKind::Fir) {
                layer.deferred = Some(kind);
            }
            return false;
        }
        layer.deferred = None;
        true
    }

    /// A request for `rid` went out.
    pub fn sent(&mut self, now: Instant, rid: Option<Rid>) {
        self.layer(rid).last = Some(now);
    }

    /// Forgets deferred requests (nothing of the track is forwarded now).
    pub fn clear(&mut self) {
        for layer in &mut self.layers {
            layer.deferred = None;
        }
    }

    /// When the earliest deferred request falls due.
    pub fn next_due(&self) -> Option<Instant> {
        self.layers
            .iter()
            .filter_map(LayerThrottle::deferred_until)
            .min()
    }

    /// The deferred requests due at `now`.
    pub fn due(&self, now: Instant) -> Vec<(Option<Rid>, KeyframeRequestKind)> {
        self.layers
            .iter()
            .filter(|l| l.deferred_until().is_some_and(|d| d <= now))
            .filter_map(|l| Some((l.rid, l.deferred?)))
            .collect()
    }

    fn layer(&mut self, rid: Option<Rid>) -> &mut LayerThrottle {
        let index = match self.layers.iter().position(|l| l.rid == rid) {
            Some(index) => index,
            None => {
                self.layers.push(LayerThrottle {
                    rid,
                    last: None,
                    deferred: None,
                });
                self.layers.len() - 1
            }
        };
        &mut self.layers[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_within_the_interval_are_deferred_per_layer() {
        let t0 = Instant::now();
        let mut throttle = KeyframeThrottle::default();
        let (low, high) = (Some(Rid::from("l")), Some(Rid::from("h")));
        assert!(throttle.admit(t0, high, KeyframeRequestKind::Pli));
        throttle.sent(t0, high);
        // Another layer is not held back by the first.
        assert!(throttle.admit(t0, low, KeyframeRequestKind::Pli));
        throttle.sent(t0, low);
        let soon = t0 + Duration::from_millis(100);
        assert!(!throttle.admit(soon, high, KeyframeRequestKind::Fir));
        assert!(!throttle.admit(soon, high, KeyframeRequestKind::Pli));
        assert_eq!(throttle.next_due(), Some(t0 + KEYFRAME_REQUEST_INTERVAL));
        assert!(throttle.due(soon).is_empty());
        assert_eq!(
            throttle.due(t0 + KEYFRAME_REQUEST_INTERVAL),
            vec![(high, KeyframeRequestKind::Fir)],
            "the FIR is kept over the later PLI"
        );
        throttle.clear();
        assert_eq!(throttle.next_due(), None);
    }
}
