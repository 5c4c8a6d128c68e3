/** The strategies `epcsim check --strategy` accepts (apart, so the command line lists them without loading the checker). */
export type StrategyChoice = "random" | "pct" | "dfs" | "dpor" | "sdfs" | "bfs" | "portfolio";

export const STRATEGIES: StrategyChoice[] = ["random", "pct", "dfs", "dpor", "sdfs", "bfs", "portfolio"];
