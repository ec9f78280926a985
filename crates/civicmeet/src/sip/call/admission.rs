//! Getting into the meeting by keypad: a hearing's notice confirmed with
//! `1`, the PIN typed and sent, and what the server's refusals mean for
//! the call (another try, the waiting room, or goodbye); in the meeting,
//! keys are the caller's commands (`*6`).

use std::time::Instant;

use civicmeet_wire::ErrorCode;

use super::{ENDED, End, Leg, NOTICE_REPEAT, Place, REFUSED, WRONG_PINS};
use crate::prompts::Prompt;
use crate::sip::keypad::KeypadCommand;
use crate::sip::pin::AfterWrong;

impl Leg {
    /// A key press, by RTP or by SIP INFO.
    pub(super) async fn on_key(&mut self, key: char) -> Result<(), End> {
        if self.closing.is_some() {
            return Ok(());
        }
        if self.place == Place::Meeting {
            return match self.keypad.key(key) {
                Some(KeypadCommand::ToggleMute) => self.set_muted(!self.muted).await,
                None => Ok(()),
            };
        }
        if self.place == Place::Notice {
            if key != '1' {
                return Ok(());
            }
            tracing::info!(call = %self.call, meeting = %self.short, "notice confirmed");
            if let Some(out) = &mut self.audio_out {
                out.stop_prompt();
            }
            self.notice_acknowledged = true;
            self.notice_due = None;
            return self
                .send_join(None)
                .await
                .map_err(|_| End::Meeting("the meeting socket failed"));
        }
        if self.place != Place::Pin {
            return Ok(());
        }
        // The caller knows what to do: the prompt stops.
        if let Some(out) = &mut self.audio_out {
            out.stop_prompt();
        }
        if let Some(pin) = self.pin.key(key) {
            tracing::info!(call = %self.call, meeting = %self.short, "pin entered");
            self.send_join(Some(pin))
                .await
                .map_err(|_| End::Meeting("the meeting socket failed"))?;
        }
        Ok(())
    }

    pub(super) async fn on_error(&mut self, code: ErrorCode, fatal: bool) -> Result<(), End> {
        let call = self.call;
        match code {
            ErrorCode::PinRequired => {
                tracing::info!(%call, meeting = %self.short, "pin required");
                self.place = Place::Pin;
                self.pin.clear();
                self.play(Prompt::Pin);
                Ok(())
            }
            ErrorCode::PinWrong => {
                tracing::info!(%call, meeting = %self.short, "wrong pin");
                self.place = Place::Pin;
                match self.pin.wrong() {
                    AfterWrong::TryAgain => {
                        self.play(Prompt::PinWrong);
                        Ok(())
                    }
                    AfterWrong::GiveUp => Err(End::Meeting(WRONG_PINS)),
                }
            }
            // A hearing: the caller hears the notice and confirms with 1.
            ErrorCode::NoticeRequired => {
                tracing::info!(%call, meeting = %self.short, "hearing notice");
                self.place = Place::Notice;
                self.play(Prompt::Notice);
                self.notice_plays = 1;
                self.notice_due = Some(Instant::now() + NOTICE_REPEAT);
                Ok(())
            }
            ErrorCode::Rejected | ErrorCode::PinBlocked => {
                tracing::info!(%call, meeting = %self.short, ?code, "not let in");
                Err(End::Meeting(REFUSED))
            }
            _ if fatal => {
                tracing::info!(%call, meeting = %self.short, ?code, "the meeting ended the call");
                Err(End::Meeting(ENDED))
            }
            _ => {
                tracing::debug!(%call, ?code, "the meeting refused something");
                Ok(())
            }
        }
    }
}
