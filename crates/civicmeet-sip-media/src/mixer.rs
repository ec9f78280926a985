//! Mix-minus: each participant of the SIP leg's meeting hears everyone
//! but itself.
//!
//! All contributions of a tick (20 ms at 48 kHz, or nothing from someone
//! silent) are summed once in 32 bits; each participant's mix is that sum
//! minus its own contribution, so a tick costs O(N) frames of work rather
//! than O(N²). The sum of several loud talkers exceeds 16 bits: instead of
//! wrapping (a loud crack) or clipping hard (harsh distortion), levels
//! above three quarters of full scale are bent smoothly towards full scale
//! (a tanh knee), which leaves normal speech untouched.

use crate::Error;

/// Samples of one tick: 20 ms at 48 kHz.
pub const MIX_FRAME: usize = 960;

/// Participants whose full-scale sum still fits the 32-bit accumulator.
pub const MAX_PARTICIPANTS: usize = 65_535;

/// Where the soft clipper starts bending (¾ of full scale).
const KNEE: f32 = 24_576.0;
const FULL_SCALE: f32 = 32_767.0;

/// The mixer of one meeting's audio for its SIP legs.
#[derive(Debug, Clone)]
pub struct MixMinus {
    sum: Vec<i32>,
}

impl Default for MixMinus {
    fn default() -> Self {
        Self::new()
    }
}

impl MixMinus {
    pub fn new() -> Self {
        MixMinus {
            sum: vec![0; MIX_FRAME],
        }
    }

    /// Sums this tick's contributions: one entry per participant, `None`
    /// for one that sent nothing. Every frame must be [`MIX_FRAME`] long.
    pub fn sum(&mut self, contributions: &[Option<&[i16]>]) -> Result<(), Error> {
        if contributions.len() > MAX_PARTICIPANTS {
            return Err(Error::TooManyParticipants(contributions.len()));
        }
        for frame in contributions.iter().flatten() {
            check_len(frame.len())?;
        }
        self.sum.fill(0);
        for frame in contributions.iter().flatten() {
            for (total, &sample) in self.sum.iter_mut().zip(frame.iter()) {
                *total += i32::from(sample);
            }
        }
        Ok(())
    }

    /// The mix for one participant: the last [`Self::sum`] without `own`
    /// (its contribution to that sum, if any), limited to 16 bits.
    pub fn mix_for(&self, own: Option<&[i16]>, out: &mut [i16]) -> Result<(), Error> {
        check_len(out.len())?;
        match own {
            Some(own) => {
                check_len(own.len())?;
                for ((out, &total), &own) in out.iter_mut().zip(&self.sum).zip(own) {
                    *out = soft_clip(total - i32::from(own));
                }
            }
            None => {
                for (out, &total) in out.iter_mut().zip(&self.sum) {
                    *out = soft_clip(total);
                }
            }
        }
        Ok(())
    }

    /// Sums and mixes for everyone: `outputs[i]` becomes what participant
    /// `i` hears.
    pub fn mix_all(
        &mut self,
        contributions: &[Option<&[i16]>],
        outputs: &mut Vec<Vec<i16>>,
    ) -> Result<(), Error> {
        self.sum(contributions)?;
        outputs.resize_with(contributions.len(), Vec::new);
        for (own, out) in contributions.iter().zip(outputs.iter_mut()) {
            out.resize(MIX_FRAME, 0);
            self.mix_for(*own, out)?;
        }
        Ok(())
    }
}

fn check_len(len: usize) -> Result<(), Error> {
    if len == MIX_FRAME {
        Ok(())
    } else {
        Err(Error::FrameLength {
            got: len,
            expected: MIX_FRAME,
        })
    }
}

/// Linear up to the knee, then a tanh curve that meets full scale only at
/// infinity; its slope is continuous at the knee, so no edge is audible.
pub fn soft_clip(value: i32) -> i16 {
    let magnitude = value.unsigned_abs() as f32;
    let limited = if magnitude <= KNEE {
        magnitude
    } else {
        let room = FULL_SCALE - KNEE;
        KNEE + room * ((magnitude - KNEE) / room).tanh()
    };
    // At most FULL_SCALE, so the cast cannot wrap.
    let limited = limited.round().min(FULL_SCALE) as i16;
    if value < 0 { -limited } else { limited }
}
