#!/usr/bin/env bash
# Makes the voice prompts a SIP caller hears (issue 7), German and English,
# with espeak-ng (speech synthesis, no recording of anyone) and sox:
# 16-bit mono PCM at 16 kHz, raw little-endian: G.722 legs play them as
# they are, G.711 and Opus legs through the 16 -> 8 or 48 kHz resampler.
# German first, then English: a caller hears both.
#   apt-get install espeak-ng sox && ./make.sh
set -euo pipefail
cd "$(dirname "$0")"
say() { # name language text
  espeak-ng -v "$2" -s 150 -w "/tmp/prompt-$1.wav" "$3"
  sox "/tmp/prompt-$1.wav" -r 16000 -c 1 -b 16 -e signed-integer -t raw "$1.$2.pcm" norm -3
  rm "/tmp/prompt-$1.wav"
}
say pin de "Bitte geben Sie die PIN der Besprechung ein und drücken Sie die Raute-Taste."
say pin en "Please enter the meeting PIN, followed by the hash key."
say pin_wrong de "Die PIN ist falsch. Bitte versuchen Sie es noch einmal."
say pin_wrong en "That PIN is not correct. Please try again."
say waiting de "Bitte warten Sie. Sie werden gleich in die Besprechung gelassen."
say waiting en "Please wait. The host will let you in shortly."
say ended de "Die Besprechung ist beendet. Auf Wiederhören."
say ended en "The meeting has ended. Goodbye."
say refused de "Der Zutritt wurde verweigert. Auf Wiederhören."
say refused en "You were not let in. Goodbye."
say notice de "Dies ist eine Gerichtsverhandlung. Aufzeichnen ist verboten: Sie dürfen Bild und Ton weder aufnehmen noch weitergeben. Drücken Sie die Eins, um das zu bestätigen."
say notice en "This is a court hearing. Recording is forbidden: you must not record or pass on sound or pictures. Press one to confirm."
