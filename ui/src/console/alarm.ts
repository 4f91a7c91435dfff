// The central's audible alarm: a two-tone WebAudio beep repeated while any
// alert is unacknowledged. No audio asset. Browsers only allow sound after a
// user gesture: `unlock()` is called from the login click or the
// "Activar sonido" button.

export class Alarm {
  private ctx: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Beeps played so far (the e2e tests read it through window.__auxilioAlarm). */
  beeps = 0;

  get unlocked(): boolean {
    return this.ctx?.state === 'running';
  }

  unlock(): void {
    try {
      this.ctx ??= new AudioContext();
      void this.ctx.resume();
    } catch {
      // No audio device: the flashing pin and the list still show it.
    }
  }

  set(on: boolean): void {
    if (on && !this.timer) {
      this.ring();
      this.timer = setInterval(() => this.ring(), 1600);
    } else if (!on && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  get ringing(): boolean {
    return this.timer !== null;
  }

  private ring(): void {
    this.beeps++;
    const ctx = this.ctx;
    if (!ctx || ctx.state !== 'running') return;
    const t0 = ctx.currentTime;
    [0, 0.25, 0.5].forEach((dt, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'square';
      osc.frequency.value = i % 2 ? 660 : 990;
      gain.gain.setValueAtTime(0.25, t0 + dt);
      gain.gain.setValueAtTime(0, t0 + dt + 0.2);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0 + dt);
      osc.stop(t0 + dt + 0.21);
    });
  }
}
