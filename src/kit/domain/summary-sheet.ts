import type { DaySchedule } from '../../places/domain/opening-hours.js';

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const list = (names: string[]) => (names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} et ${names.at(-1)}`);

/**
 * A week of opening hours in a few lines for paper, days with the same hours together, in the week's order:
 * « Du lundi au vendredi : 9 h – 12 h, 14 h – 17 h », « Samedi et dimanche : fermé ». Three days or more in a row
 * read as a range. Nothing about « now »: a sheet is read on another day.
 */
export function weekLines(week: readonly DaySchedule[]): string[] {
  const groups = new Map<string, number[]>();
  week.forEach((day, index) => groups.set(day.text, [...(groups.get(day.text) ?? []), index]));
  return [...groups].map(([text, indexes]) => {
    const runs: number[][] = [];
    for (const index of indexes) {
      const run = runs.at(-1);
      if (run && run.at(-1) === index - 1) run.push(index);
      else runs.push([index]);
    }
    const parts = runs.flatMap((run) => {
      const names = run.map((index) => week[index]!.day.toLowerCase());
      return run.length >= 3 ? [`du ${names[0]} au ${names.at(-1)}`] : names;
    });
    return `${capitalise(list(parts))} : ${text}`;
  });
}
