export function isBalanced(text) {
  const pairs = { ")": "(", "]": "[", "}": "{" }; const stack = [];
  for (const c of text) { if ("([{".includes(c)) stack.push(c); else if (c in pairs) { if (stack.pop() !== pairs[c]) return false; } }
  return stack.length === 0;
}
