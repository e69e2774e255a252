/** Vite's `?raw` imports: a file's text (the example scenarios the lessons start from). */
declare module '*?raw' {
  const text: string;
  export default text;
}
