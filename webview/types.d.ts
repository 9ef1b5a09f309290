// esbuild bundles .css imports as text (loader 'text' in esbuild.mjs).
declare module '*.css' {
  const text: string;
  export default text;
}
