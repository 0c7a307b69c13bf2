export function parseCsv(text) {
  const rows = []; let row = []; let field = ""; let i = 0; let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') { if (text[i + 1] === '"') { field += '"'; i += 2; continue; } quoted = false; i++; continue; }
      field += c; i++; continue;
    }
    if (c === '"' && field === "") { quoted = true; i++; continue; }
    if (c === ",") { row.push(field); field = ""; i++; continue; }
    if (c === "\n" || (c === "\r" && text[i + 1] === "\n")) { row.push(field); rows.push(row); row = []; field = ""; i += c === "\r" ? 2 : 1; continue; }
    field += c; i++;
  }
  if (quoted) throw new SyntaxError("unterminated quoted field");
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows;
}
