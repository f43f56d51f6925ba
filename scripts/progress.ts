/** A one-line progress bar on stderr (redrawn in place on a terminal, a line per 10% otherwise). */
export function progressBar(label: string): (done: number, total: number, stage: string) => void {
  let lastTenth = -1;
  return (done, total, stage) => {
    const fraction = total === 0 ? 1 : done / total;
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(fraction * 100)}% ${stage.padEnd(12)}`);
      if (done >= total) process.stderr.write('\n');
    } else {
      const tenth = Math.floor(fraction * 10);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`${label} ${tenth * 10}% (${stage})\n`);
      }
    }
  };
}
