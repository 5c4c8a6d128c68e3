/** The part of jstat (CommonJS, no bundled types) that epcsim uses: Student-t quantiles. */
declare module "jstat" {
  interface StudentT {
    /** Quantile (inverse CDF) of Student's t with `dof` degrees of freedom. */
    inv(p: number, dof: number): number;
    cdf(x: number, dof: number): number;
  }
  const jstat: { studentt: StudentT };
  export default jstat;
}
