// Camera, microphone and speaker: opening them, listing them, and the
// microphone level meter of the device check.
//
// Owns: getUserMedia and enumerateDevices. It never sends anything anywhere.

import { t } from './i18n.js';

/**
 * Opens camera and microphone, by device id when one is chosen. A missing
 * or refused device is left out rather than failing the whole join: the
 * result may hold only audio, only video, or no track at all.
 */
export async function openMedia({ cameraId, microphoneId } = {}) {
  const audio = microphoneId ? { deviceId: { exact: microphoneId } } : true;
  const video = cameraId ? { deviceId: { exact: cameraId } } : { width: { ideal: 640 }, height: { ideal: 360 } };
  for (const constraints of [{ audio, video }, { audio }, { video }]) {
    try {
      return await navigator.mediaDevices.getUserMedia(constraints);
    } catch (err) {
      console.warn('civicmeet: getUserMedia failed for', Object.keys(constraints), err.name);
    }
  }
  return new MediaStream();
}

/** Stops every track of a stream (turns the camera light off). */
export function stopMedia(stream) {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/** Lists devices by kind. Labels are empty until permission is granted. */
export async function listDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  return {
    cameras: devices.filter((d) => d.kind === 'videoinput'),
    microphones: devices.filter((d) => d.kind === 'audioinput'),
    speakers: devices.filter((d) => d.kind === 'audiooutput'),
  };
}

/** Whether the browser can choose an audio output (Chromium can, Safari not yet). */
export function canChooseSpeaker() {
  return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
}

/** Fills a <select> with devices, keeping `selectedId` chosen when present. */
export function fillSelect(select, devices, selectedId) {
  select.replaceChildren(...devices.map((device, i) => {
    const option = document.createElement('option');
    option.value = device.deviceId;
    option.textContent = device.label || (device.deviceId === 'default' ? t('join.device_default') : t('join.device_unnamed', { n: i + 1 }));
    option.selected = device.deviceId === selectedId;
    return option;
  }));
  select.disabled = devices.length === 0;
}

/** Shows the microphone's loudness in a <meter> while the device check is open. */
export class LevelMeter {
  constructor(meter) {
    this.meter = meter;
    this.context = null;
    this.frame = 0;
  }

  start(stream) {
    this.stop();
    if (stream.getAudioTracks().length === 0 || typeof AudioContext === 'undefined') return;
    this.context = new AudioContext();
    const analyser = this.context.createAnalyser();
    analyser.fftSize = 512;
    this.context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const tick = () => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      // RMS of a loud voice is around 0.3; scale so speech fills the meter.
      this.meter.value = Math.min(1, Math.sqrt(sum / samples.length) * 3);
      this.frame = requestAnimationFrame(tick);
    };
    tick();
  }

  /** A user gesture may be needed before audio contexts run. */
  resume() {
    this.context?.resume().catch(() => {});
  }

  stop() {
    cancelAnimationFrame(this.frame);
    this.context?.close().catch(() => {});
    this.context = null;
    this.meter.value = 0;
  }
}
