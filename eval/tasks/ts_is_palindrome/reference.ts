export function isPalindrome(text: string): boolean {
  const s = text.toLowerCase().replace(/[^a-z0-9]/g, "");
  return s === [...s].reverse().join("");
}
