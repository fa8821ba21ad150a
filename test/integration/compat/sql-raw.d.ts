// The compatibility packs' SQL, imported as text (Vite's ?raw) to install them again in tests.
declare module '*.sql?raw' {
  const text: string;
  export default text;
}
