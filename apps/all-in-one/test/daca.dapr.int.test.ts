import { defineDacaSuite } from "./daca/suite.ts";
import { startStackSystem } from "./stack-sut.ts";

defineDacaSuite("DACA over HTTP, real Dapr stack (npm run stack)", () => startStackSystem());
