export function encode(text) { return (text.match(/(.)\1*/gs) ?? []).map((run) => run.length + run[0]).join(""); }
export function decode(text) { return (text.match(/\d+\D/g) ?? []).map((p) => p.slice(-1).repeat(Number(p.slice(0, -1)))).join(""); }
