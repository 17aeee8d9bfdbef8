/**
 * Learning-rate schedules over the steps of one stage (tagged union, validated where built):
 *   constant;  step: lr * gamma^floor(epoch / every);  cosine: lr * (1 + cos(pi * step/total)) / 2
 */
export type LrSchedule =
  | { readonly kind: 'constant' }
  | { readonly kind: 'step'; readonly every: number; readonly gamma: number }
  | { readonly kind: 'cosine' };

export function learningRate(base: number, schedule: LrSchedule, step: number, stepsPerEpoch: number, totalSteps: number): number {
  switch (schedule.kind) {
    case 'constant':
      return base;
    case 'step':
      return base * schedule.gamma ** Math.floor(step / stepsPerEpoch / schedule.every);
    case 'cosine':
      return (base * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / Math.max(totalSteps, 1)))) / 2;
  }
}
