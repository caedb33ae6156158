import { VOICE_INPUT_SAMPLE_RATE } from '@bedrock-mcp/contracts';
import captureWorkletUrl from './worklets/capture-processor.ts?worker&url';
import { CAPTURE_PROCESSOR } from './worklets/processor-names.js';
import { insecureContextFailure, microphoneFailure, VoiceError } from './voice-failure.js';

/** Samples per frame sent to the gateway: 32 ms at 16 kHz. */
const CAPTURE_FRAME_SAMPLES = 512;

export interface MicCapture {
  /** Stops the microphone and the audio graph. Idempotent. */
  stop(): Promise<void>;
}

export interface MicCaptureEnvironment {
  mediaDevices: Pick<MediaDevices, 'getUserMedia'> | undefined;
  createAudioContext: () => AudioContext;
  origin: string;
}

const browser = (): MicCaptureEnvironment => ({
  mediaDevices: typeof navigator === 'undefined' ? undefined : navigator.mediaDevices,
  createAudioContext: () => new AudioContext({ latencyHint: 'interactive' }),
  origin: typeof location === 'undefined' ? '' : location.origin,
});

/**
 * Opens the microphone and streams it as PCM16 mono 16 kHz frames of 512 samples to `onFrame`
 * (an AudioWorklet resamples from the device rate). Fails with a VoiceError saying what to do:
 * not a secure context, microphone refused or missing, no AudioWorklet.
 */
export async function startMicCapture(onFrame: (frame: ArrayBuffer) => void, env: MicCaptureEnvironment = browser()): Promise<MicCapture> {
  if (env.mediaDevices?.getUserMedia === undefined) {
    const failure = insecureContextFailure(env.origin);
    throw new VoiceError(failure.kind, failure.message);
  }
  let stream: MediaStream;
  try {
    stream = await env.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
  } catch (error) {
    const failure = microphoneFailure(error);
    throw new VoiceError(failure.kind, failure.message);
  }
  const context = env.createAudioContext();
  const stopTracks = () => stream.getTracks().forEach((track) => track.stop());
  try {
    if (context.audioWorklet === undefined) throw new VoiceError('unsupported', 'This browser has no AudioWorklet: use a current Chrome, Edge, Firefox or Safari.');
    await context.audioWorklet.addModule(captureWorkletUrl);
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, CAPTURE_PROCESSOR, {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      channelCount: 1,
      channelCountMode: 'explicit',
      processorOptions: { targetRate: VOICE_INPUT_SAMPLE_RATE, frameSamples: CAPTURE_FRAME_SAMPLES },
    });
    node.port.onmessage = (event: MessageEvent<ArrayBuffer>) => onFrame(event.data);
    // A node only runs while it leads to the destination: through a muted gain, so nothing is heard.
    const mute = context.createGain();
    mute.gain.value = 0;
    source.connect(node).connect(mute).connect(context.destination);
    if (context.state === 'suspended') await context.resume();
    let stopping: Promise<void> | undefined;
    return {
      stop: () =>
        (stopping ??= (async () => {
          node.port.onmessage = null;
          source.disconnect();
          node.disconnect();
          stopTracks();
          await context.close().catch(() => undefined);
        })()),
    };
  } catch (error) {
    stopTracks();
    await context.close().catch(() => undefined);
    if (error instanceof VoiceError) throw error;
    throw new VoiceError('unsupported', `The audio capture could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
}
