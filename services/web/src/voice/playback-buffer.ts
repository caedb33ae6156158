// The playback worklet's queue (no DOM, no imports): a growable ring buffer of samples that plays
// gaplessly while it has audio, waits for a little audio before it starts (so network jitter does
// not cut a sentence into pieces), and never jumps to silence: starts fade in, underruns and
// barge-in clears fade out, so the speaker does not click.

export interface PlaybackBufferOptions {
  /** Samples to gather before playback starts (or the longest they wait for company). */
  prebufferSamples: number;
  /** Samples over which a start fades in and a stop fades out. */
  fadeSamples: number;
  /** Initial capacity; the buffer doubles as needed up to `maxSamples`. */
  initialSamples: number;
  /** The most samples held; beyond it the oldest are overwritten (minutes of audio: not expected). */
  maxSamples: number;
}

export class PlaybackBuffer {
  #ring: Float32Array;
  #read = 0;
  #size = 0;
  #playing = false;
  /** Samples rendered since audio arrived while not playing. */
  #waited = 0;
  /** Samples of fade-in still to apply. */
  #fadeIn = 0;
  /** The fade-out in progress: the level it started from and how far along it is. */
  #fadeOut: { from: number; at: number } | undefined;
  #lastSample = 0;

  constructor(private readonly options: PlaybackBufferOptions) {
    this.#ring = new Float32Array(options.initialSamples);
  }

  /** Samples waiting to be played. */
  get buffered(): number {
    return this.#size;
  }

  get playing(): boolean {
    return this.#playing;
  }

  push(samples: Float32Array): void {
    if (this.#size + samples.length > this.#ring.length) this.#grow(this.#size + samples.length);
    for (let index = 0; index < samples.length; index += 1) {
      if (this.#size === this.#ring.length) {
        // Full at the maximum: drop the oldest sample.
        this.#read = (this.#read + 1) % this.#ring.length;
        this.#size -= 1;
      }
      this.#ring[(this.#read + this.#size) % this.#ring.length] = samples[index] ?? 0;
      this.#size += 1;
    }
  }

  /** Drops everything queued (barge-in); what was playing fades out. */
  clear(): void {
    this.#read = 0;
    this.#size = 0;
    this.#waited = 0;
    if (this.#playing) this.#stop();
  }

  /** Fills `out` with the next samples (silence or a fade when there are none). Returns whether any audio was played. */
  render(out: Float32Array): boolean {
    let index = 0;
    let played = false;
    while (index < out.length) {
      if (!this.#playing) {
        if (this.#size > 0) this.#waited += 1;
        if (this.#size > 0 && (this.#size >= this.options.prebufferSamples || this.#waited >= this.options.prebufferSamples)) {
          this.#playing = true;
          this.#waited = 0;
          this.#fadeIn = this.options.fadeSamples;
          this.#fadeOut = undefined;
          continue;
        }
        out[index] = this.#tail();
        index += 1;
        continue;
      }
      if (this.#size === 0) {
        this.#stop();
        continue;
      }
      let sample = this.#ring[this.#read] ?? 0;
      this.#read = (this.#read + 1) % this.#ring.length;
      this.#size -= 1;
      if (this.#fadeIn > 0) {
        sample *= 1 - this.#fadeIn / (this.options.fadeSamples + 1);
        this.#fadeIn -= 1;
      }
      out[index] = sample;
      this.#lastSample = sample;
      played = true;
      index += 1;
    }
    return played;
  }

  #stop(): void {
    this.#playing = false;
    this.#fadeOut = { from: this.#lastSample, at: 0 };
    this.#lastSample = 0;
  }

  /** The fade-out after a stop (a straight line from the last sample to 0), then silence. */
  #tail(): number {
    const fade = this.#fadeOut;
    if (fade === undefined) return 0;
    fade.at += 1;
    if (fade.at >= this.options.fadeSamples) {
      this.#fadeOut = undefined;
      return 0;
    }
    return fade.from * (1 - fade.at / this.options.fadeSamples);
  }

  #grow(needed: number): void {
    let capacity = this.#ring.length;
    while (capacity < needed && capacity < this.options.maxSamples) capacity = Math.min(this.options.maxSamples, capacity * 2);
    if (capacity === this.#ring.length) return;
    const ring = new Float32Array(capacity);
    for (let index = 0; index < this.#size; index += 1) ring[index] = this.#ring[(this.#read + index) % this.#ring.length] ?? 0;
    this.#ring = ring;
    this.#read = 0;
  }
}
