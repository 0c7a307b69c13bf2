export function toSnake(name) {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2").toLowerCase();
}
export function toCamel(name) {
  return name.split("_").filter(Boolean).map((p, i) => i ? p[0].toUpperCase() + p.slice(1).toLowerCase() : p.toLowerCase()).join("");
}
