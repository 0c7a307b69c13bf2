export function wrapText(text: string, width: number): string[] {
  const lines: string[] = []; let line = "";
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > width) { if (line) { lines.push(line); line = ""; } lines.push(word.slice(0, width)); word = word.slice(width); }
    if (!word) continue;
    if (!line) line = word; else if (line.length + 1 + word.length <= width) line += " " + word; else { lines.push(line); line = word; }
  }
  if (line) lines.push(line);
  return lines;
}
