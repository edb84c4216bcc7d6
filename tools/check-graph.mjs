// placeholder: replaced by the graph check
