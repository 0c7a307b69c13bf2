export function capitalizeWords(text: string): string {
  return text.split(" ").map((w) => w ? w[0]!.toUpperCase() + w.slice(1).toLowerCase() : w).join(" ");
}
