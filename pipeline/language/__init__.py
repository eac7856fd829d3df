"""Language resources and models: the spaCy pipeline, the trigram language model, WordNet and
the gradient-boosted trees' walker. Loaded once per process, shared by the stages."""
