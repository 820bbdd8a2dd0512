import fs from 'node:fs';

/** The nice value of each thread of this process (Linux): field 19 of /proc/self/task/TID/stat. */
export function niceByThread(): number[] {
  return fs.readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      // Fields after the parenthesised command name, which may hold spaces.
      return [Number(fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[16])];
    } catch {
      return []; // a thread that ended meanwhile
    }
  });
}
